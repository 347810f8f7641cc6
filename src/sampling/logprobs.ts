import { selectTopK } from "./candidate-sort.js";
import { expSumBelowMax } from "./exp-sum.js";

/**
 * Log-probabilities as OpenAI reports them: log-softmax of the raw logits (before any penalty, temperature or
 * truncation) for the chosen token and the top-N tokens. Buffers are preallocated for up to `maxTop` tokens.
 */
export class Logprobs {
  readonly topIds: Int32Array;
  readonly topLogprobs: Float64Array;
  private readonly scratch: Int32Array;

  /**
   * `lse`: log Σ exp of a row, by default logSumExp below (float64); `topK`: the k best ids, by default selectTopK.
   * The server and `run` pass their backend's kernels.
   */
  constructor(
    readonly vocabSize: number,
    readonly maxTop: number,
    private readonly lse: (logits: Float32Array, n: number) => number = logSumExp,
    private readonly topK: (logits: Float32Array, n: number, k: number, ids: Int32Array) => void = selectTopK,
  ) {
    this.topIds = new Int32Array(maxTop);
    this.topLogprobs = new Float64Array(maxTop);
    this.scratch = new Int32Array(Math.max(maxTop, 1));
  }

  /** Returns log p(chosen); fills topIds/topLogprobs[0..nTop) most likely first (ties → lower id). */
  compute(logits: Float32Array, chosen: number, nTop: number): number {
    const lse = this.lse(logits, this.vocabSize);
    const k = Math.min(nTop, this.maxTop, this.vocabSize);
    if (k > 0) {
      this.topK(logits, this.vocabSize, k, this.scratch);
      for (let i = 0; i < k; i++) {
        const id = this.scratch[i]!;
        this.topIds[i] = id;
        this.topLogprobs[i] = logits[id]! - lse;
      }
    }
    return logits[chosen]! - lse;
  }
}

/** log Σ exp(logits[0..n)), computed in float64 around the maximum. */
export function logSumExp(logits: Float32Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) return -Infinity;
  return max + Math.log(expSumBelowMax(logits, n, max));
}
