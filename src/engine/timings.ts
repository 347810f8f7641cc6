/** Latency percentiles over a request's inter-token gaps (milliseconds). */
export interface LatencySummaryMs {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/** The timing record of one generation; CLI, server and bench report these same names. */
export interface GenerationTimings {
  /** From the start of the request (tokenization included) to the first generated token. */
  ttftMs: number;
  /** Prompt tokens / time spent in the prompt's forward passes. */
  prefillTokensPerSec: number;
  /** Tokens after the first / time from the first token to the last. */
  decodeTokensPerSec: number;
  /** Gaps between consecutive generated tokens. */
  itlMs: LatencySummaryMs;
  totalMs: number;
}

/**
 * Records the instants of one generation with performance.now() into a buffer preallocated for maxTokens, so
 * marking a token allocates nothing.
 */
export class GenerationTimer {
  private startMs = 0;
  private prefillStartMs = 0;
  private prefillEndMs = 0;
  private promptTokens = 0;
  private readonly tokenMs: Float64Array;
  private nTokens = 0;
  private endMs = 0;

  constructor(
    maxTokens: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokenMs = new Float64Array(Math.max(maxTokens, 1));
  }

  start(): void {
    this.startMs = this.now();
  }

  prefillStart(): void {
    this.prefillStartMs = this.now();
  }

  prefillEnd(promptTokens: number): void {
    this.prefillEndMs = this.now();
    this.promptTokens = promptTokens;
  }

  /** A generated token is ready. */
  token(): void {
    if (this.nTokens < this.tokenMs.length) this.tokenMs[this.nTokens++] = this.now();
  }

  end(): void {
    this.endMs = this.now();
  }

  summary(): GenerationTimings {
    const n = this.nTokens;
    const first = n > 0 ? this.tokenMs[0]! : this.endMs;
    const last = n > 0 ? this.tokenMs[n - 1]! : this.endMs;
    const prefillMs = this.prefillEndMs - this.prefillStartMs;
    const gaps = new Float64Array(Math.max(n - 1, 0));
    for (let i = 1; i < n; i++) gaps[i - 1] = this.tokenMs[i]! - this.tokenMs[i - 1]!;
    return {
      ttftMs: first - this.startMs,
      prefillTokensPerSec: prefillMs > 0 ? (this.promptTokens * 1000) / prefillMs : 0,
      decodeTokensPerSec: n > 1 && last > first ? ((n - 1) * 1000) / (last - first) : 0,
      itlMs: summarizeLatencies(gaps),
      totalMs: this.endMs - this.startMs,
    };
  }
}

/** Mean and percentiles (linear interpolation between closest ranks, numpy's default); zeros when empty. */
export function summarizeLatencies(values: Float64Array): LatencySummaryMs {
  if (values.length === 0) return { mean: 0, p50: 0, p90: 0, p99: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return { mean: sum / sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
}

/** q-th percentile of ascending `sorted`: rank q/100·(n−1), interpolated linearly. */
export function percentile(sorted: Float64Array, q: number): number {
  const rank = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (rank - lo) * (sorted[hi]! - sorted[lo]!);
}
