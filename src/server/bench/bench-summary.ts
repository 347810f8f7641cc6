import type { RequestResult } from "./bench-request.js";

export interface Distribution {
  mean: number;
  median: number;
  p99: number;
}

/** vLLM benchmark_serving's figures (ms for latencies). */
export interface BenchSummary {
  completed: number;
  failed: number;
  durationSec: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  requestThroughput: number;
  outputThroughput: number;
  totalTokenThroughput: number;
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2elMs: Distribution;
  errors: string[];
}

/** Linear-interpolated percentile (numpy's default), p in [0, 100]. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const x = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { mean: 0, median: 0, p99: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { mean, median: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** TPOT per request = (E2EL − TTFT) / (output tokens − 1), for requests with more than one output token. */
export function summarize(results: readonly RequestResult[], durationSec: number): BenchSummary {
  const ok = results.filter((r) => r.ok);
  const totalIn = ok.reduce((a, r) => a + r.promptTokens, 0);
  const totalOut = ok.reduce((a, r) => a + r.outputTokens, 0);
  return {
    completed: ok.length,
    failed: results.length - ok.length,
    durationSec,
    totalInputTokens: totalIn,
    totalOutputTokens: totalOut,
    requestThroughput: ok.length / durationSec,
    outputThroughput: totalOut / durationSec,
    totalTokenThroughput: (totalIn + totalOut) / durationSec,
    ttftMs: distribution(ok.map((r) => r.ttftMs)),
    tpotMs: distribution(ok.filter((r) => r.outputTokens > 1).map((r) => (r.e2eMs - r.ttftMs) / (r.outputTokens - 1))),
    itlMs: distribution(ok.flatMap((r) => r.itlMs)),
    e2elMs: distribution(ok.map((r) => r.e2eMs)),
    errors: [...new Set(results.filter((r) => !r.ok).map((r) => r.error ?? "unknown"))].slice(0, 5),
  };
}

/** The summary as vLLM prints it. */
export function formatSummary(s: BenchSummary): string {
  const line = (label: string, value: string) => `${label.padEnd(40)}${value.padStart(12)}`;
  const f = (x: number, d = 2) => x.toFixed(d);
  const rows = [
    "============ Serving Benchmark Result ============",
    line("Successful requests:", String(s.completed)),
    line("Failed requests:", String(s.failed)),
    line("Benchmark duration (s):", f(s.durationSec)),
    line("Total input tokens:", String(s.totalInputTokens)),
    line("Total generated tokens:", String(s.totalOutputTokens)),
    line("Request throughput (req/s):", f(s.requestThroughput)),
    line("Output token throughput (tok/s):", f(s.outputThroughput)),
    line("Total token throughput (tok/s):", f(s.totalTokenThroughput)),
  ];
  const section = (title: string, name: string, d: Distribution) => {
    rows.push(`${"-".repeat(15)}${title}${"-".repeat(Math.max(0, 35 - title.length))}`);
    rows.push(line(`Mean ${name} (ms):`, f(d.mean)), line(`Median ${name} (ms):`, f(d.median)), line(`P99 ${name} (ms):`, f(d.p99)));
  };
  section("Time to First Token", "TTFT", s.ttftMs);
  section("Time per Output Token (excl. 1st token)", "TPOT", s.tpotMs);
  section("Inter-token Latency", "ITL", s.itlMs);
  section("End-to-end Latency", "E2EL", s.e2elMs);
  rows.push("=".repeat(50));
  for (const e of s.errors) rows.push(`error: ${e}`);
  return rows.join("\n");
}
