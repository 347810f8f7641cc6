import type { SamplingParams } from "../sampling/sampling-params.js";

/** What one engine request asks for beyond the sampling chain (already validated by the server). */
export interface RequestParams {
  maxTokens: number;
  /** The sampling chain's settings (src/sampling), seed included. */
  sampling: SamplingParams;
  /** How many top alternatives to report with each token's logprob; null = no logprobs. */
  topLogprobs: number | null;
  /** Token ids that end the request (the model's EOS ids unless ignoreEos). */
  stopTokenIds: ReadonlySet<number>;
  /**
   * vLLM's `cache_salt`: mixed into the hash of the first KV block (and so of every block chained after it), so
   * only requests with the same salt share prefix-cache blocks. Absent: the shared, unsalted cache.
   */
  cacheSalt?: string;
}

export type FinishReason = "stop" | "length" | "abort";
