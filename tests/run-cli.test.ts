import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// `tsinfer run` end to end through the built CLI (npm test builds first), on the bundled stories-7m model.
// Reference: models/stories-7m/reference.json (transformers): prompt 0 is "Once upon a time", whose 64 greedy
// tokens decode to greedy_text; the other three prompts likewise (every step's top-1/top-2 margin is above 0.019).
const ref = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as {
  prompts: Array<{ prompt: string; ids: number[]; greedy: number[]; greedy_text: string }>;
};

function tsinfer(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync("node", ["bin/tsinfer.js", ...args], { encoding: "utf8", timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

interface RunJson {
  text: string;
  promptTokens: number;
  tokens: number;
  timings: { ttftMs: number; prefillTokensPerSec: number; decodeTokensPerSec: number; itlMs: Record<"mean" | "p50" | "p90" | "p99", number> };
}

describe("tsinfer run", () => {
  it("--temp 0 --json: one JSON object whose text is the reference's 64 greedy tokens, for each reference prompt", () => {
    expect(ref.prompts[0]!.prompt).toBe("Once upon a time");
    for (const p of ref.prompts) {
      const r = tsinfer("run", "-p", p.prompt, "--temp", "0", "-n", "64", "--json");
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as RunJson;
      // The shape, plus the KV cache's element type and bytes per token.
      expect(Object.keys(out).sort()).toEqual(["kvBytesPerToken", "kvType", "promptTokens", "text", "timings", "tokens"]);
      expect(out).toMatchObject({ kvType: "f32", kvBytesPerToken: 8192 });
      expect(out.promptTokens).toBe(p.ids.length);
      expect(out.tokens).toBe(64);
      expect(out.text).toBe(p.greedy_text);
      expect(out.timings.ttftMs).toBeGreaterThan(0);
      expect(out.timings.prefillTokensPerSec).toBeGreaterThan(0);
      expect(out.timings.decodeTokensPerSec).toBeGreaterThan(0);
      expect(out.timings.itlMs.p99).toBeGreaterThanOrEqual(out.timings.itlMs.p50);
    }
  }, 240_000);

  it("tells a story on stdout and prints the timings on stderr", () => {
    const r = tsinfer("run", "-p", "Once upon a time", "-n", "48", "--seed", "7");
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split(/\s+/).length).toBeGreaterThan(20);
    expect(r.stderr).toMatch(/prompt tokens: 5, generated tokens: \d+/);
    expect(r.stderr).toMatch(/TTFT: [\d.]+ ms, prefill: [\d.]+ tok\/s, decode: [\d.]+ tok\/s/);
    expect(r.stderr).toMatch(/ITL ms: mean [\d.]+, p50 [\d.]+, p90 [\d.]+, p99 [\d.]+/);
  }, 120_000);

  it("--seed 42 twice gives the same text; another seed another text", () => {
    const a = tsinfer("run", "-p", "Once upon a time", "-n", "32", "--seed", "42", "--temp", "1", "--json");
    const b = tsinfer("run", "-p", "Once upon a time", "-n", "32", "--seed", "42", "--temp", "1", "--json");
    const c = tsinfer("run", "-p", "Once upon a time", "-n", "32", "--seed", "43", "--temp", "1", "--json");
    const text = (r: { stdout: string }): string => (JSON.parse(r.stdout) as RunJson).text;
    expect(text(b)).toBe(text(a));
    expect(text(c)).not.toBe(text(a));
  }, 120_000);

  it("--stop ends the text before the stop string; --chat without a template warns and uses the prompt", () => {
    const s = tsinfer("run", "-p", "Once upon a time", "--temp", "0", "-n", "30", "--stop", "Lily", "--json");
    expect((JSON.parse(s.stdout) as RunJson).text).toBe(", there was a little girl named ");
    const c = tsinfer("run", "-p", "Once upon a time", "--temp", "0", "-n", "8", "--chat", "--json");
    expect(c.stderr).toMatch(/no chat template/);
    expect(ref.prompts[0]!.greedy_text.startsWith((JSON.parse(c.stdout) as RunJson).text)).toBe(true);
  }, 120_000);

  it("bad options give one line on stderr and exit 1", () => {
    for (const args of [["--temp", "hot"], ["--top-p", "0"], ["-n", "1.5"], ["-m", "no/such/model.gguf"]]) {
      const r = tsinfer("run", "-p", "x", ...args);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^tsinfer: InputError: /);
    }
  }, 120_000);
});
