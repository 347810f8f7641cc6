import type { GenerationResult } from "../engine/generate.js";

/** The timing lines of run (on stderr) and of chat's /stats. */
export function formatTimings(r: GenerationResult): string {
  const t = r.timings;
  const f = (x: number, digits = 1): string => x.toFixed(digits);
  return [
    `prompt tokens: ${r.promptTokens}, generated tokens: ${r.tokens} (${r.finishReason})`,
    `TTFT: ${f(t.ttftMs)} ms, prefill: ${f(t.prefillTokensPerSec)} tok/s, decode: ${f(t.decodeTokensPerSec)} tok/s`,
    `ITL ms: mean ${f(t.itlMs.mean, 2)}, p50 ${f(t.itlMs.p50, 2)}, p90 ${f(t.itlMs.p90, 2)}, p99 ${f(t.itlMs.p99, 2)}`,
    "",
  ].join("\n");
}
