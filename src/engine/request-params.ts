import type { LogitsConstraint } from "../sampling/logits-constraint.js";
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
  /**
   * This sequence's own grammar state (structured output): masks every step's logits, follows every kept token; the
   * engine ends the request ("stop") when it terminates and disposes it when the request ends. Preemption keeps the
   * output tokens (they are recomputed, not resampled), so the state never needs rolling back.
   */
  constraint?: LogitsConstraint;
}

export type FinishReason = "stop" | "length" | "abort";
