import { selectTopK, sortByKeyDesc } from "./candidate-sort.js";
import type { LogitsConstraint } from "./logits-constraint.js";
import type { SamplingParams } from "./sampling-params.js";
import { TokenPenalties } from "./token-penalties.js";
import { Xoshiro128 } from "./xoshiro128.js";

/**
 * The sampling chain for one sequence (see SamplingParams for the order). Every buffer is allocated once, at
 * construction: `sample` allocates nothing per token.
 * After `prepare`, `candidateIds[0..n)` and `candidateProbs[0..n)` hold the final distribution, most likely first.
 */
export class Sampler {
  readonly candidateIds: Int32Array;
  readonly candidateProbs: Float64Array;
  private readonly work: Float32Array; // [vocabSize] logits after bias and penalties
  private readonly probById: Float64Array; // [vocabSize] scratch: unnormalized probabilities by token id
  private readonly biasIds: Int32Array;
  private readonly biasValues: Float32Array;
  private readonly penalties: TokenPenalties;
  private readonly rng: Xoshiro128;

  private readonly bestId = new Int32Array(1);

  /**
   * `topK`: the k best ids of a row, ties to the lower id (by default selectTopK; the engine and `run` pass their
   * backend's kernel, as to Logprobs); greedy takes its top 1. `constraint`: a grammar (one per sequence) that masks the
   * logits before the chain and follows every accepted token.
   */
  constructor(
    readonly params: SamplingParams,
    readonly vocabSize: number,
    ctxLen: number,
    private readonly topK: (keys: Float32Array, n: number, k: number, ids: Int32Array) => void = selectTopK,
    readonly constraint: LogitsConstraint | null = null,
  ) {
    this.candidateIds = new Int32Array(vocabSize);
    this.candidateProbs = new Float64Array(vocabSize);
    this.work = new Float32Array(vocabSize);
    this.probById = new Float64Array(vocabSize);
    this.biasIds = Int32Array.from(params.logitBias.keys());
    this.biasValues = Float32Array.from(params.logitBias.values());
    this.penalties = new TokenPenalties(params, vocabSize, ctxLen);
    this.rng = new Xoshiro128(params.seed);
  }

  /** Records the prompt's tokens (for the repetition penalty window). */
  acceptPrompt(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) this.penalties.accept(ids[i]!, false);
  }

  /** Records a generated token (call it with every token the sequence keeps). */
  accept(id: number): void {
    this.penalties.accept(id, true);
    this.constraint?.accept(id);
  }

  /** The constraint has accepted its stop token: the sequence must end. */
  get constraintTerminated(): boolean {
    return this.constraint !== null && this.constraint.isTerminated;
  }

  /**
   * Runs the chain on logits [vocabSize] and draws one token id. The logits are left untouched, except that a
   * constraint sets the ones it forbids to -Infinity in place (so logprobs reported after are the constrained ones).
   */
  sample(logits: Float32Array): number {
    this.constraint?.maskLogits(logits);
    const n = this.prepare(logits);
    if (n === 1) return this.candidateIds[0]!;
    const r = this.rng.nextFloat();
    let cum = 0;
    for (let i = 0; i < n; i++) {
      cum += this.candidateProbs[i]!;
      if (r < cum) return this.candidateIds[i]!;
    }
    return this.candidateIds[n - 1]!;
  }

  /** The best id of a row (ties → lowest id). */
  private argmax(keys: Float32Array): number {
    this.topK(keys, this.vocabSize, 1, this.bestId);
    return this.bestId[0]!;
  }

  /** Computes the final distribution into candidateIds/candidateProbs and returns its size. */
  prepare(logits: Float32Array): number {
    const { temperature, topK, topP, minP } = this.params;
    const work = this.work;
    const ids = this.candidateIds;
    const probs = this.candidateProbs;
    if (temperature <= 0 && this.biasIds.length === 0 && !this.penalties.active) {
      ids[0] = this.argmax(logits); // plain greedy: nothing to change in a copy
      probs[0] = 1;
      return 1;
    }
    for (let i = 0; i < this.vocabSize; i++) work[i] = logits[i]!;
    for (let i = 0; i < this.biasIds.length; i++) work[this.biasIds[i]!] = work[this.biasIds[i]!]! + this.biasValues[i]!;
    if (this.penalties.active) this.penalties.apply(work);

    if (temperature <= 0) {
      ids[0] = this.argmax(work);
      probs[0] = 1;
      return 1;
    }

    // top-k; with it disabled, every id is a candidate and is sorted only after the min-p cut below.
    let n: number;
    let sorted: boolean;
    if (topK > 0 && topK < this.vocabSize) {
      selectTopK(work, this.vocabSize, topK, ids);
      n = topK;
      sorted = true;
    } else {
      for (let i = 0; i < this.vocabSize; i++) ids[i] = i;
      n = this.vocabSize;
      sorted = false;
    }

    // Softmax of logits / temperature over the candidates, in float64 (unnormalized, indexed by id for now).
    const byId = this.probById;
    let maxLogit = -Infinity;
    for (let i = 0; i < n; i++) maxLogit = Math.max(maxLogit, work[ids[i]!]!);
    const invTemp = 1 / temperature;
    let z = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.exp((work[ids[i]!]! - maxLogit) * invTemp);
      byId[ids[i]!] = p;
      z += p;
    }

    // min-p keeps p ≥ minP · pmax (pmax = 1 here, before normalization). Top-p and min-p each keep a prefix of the
    // sorted list and the ratio to pmax does not change when top-p renormalizes, so cutting min-p first (before
    // the sort, which then has fewer ids to order) keeps the same set.
    if (minP > 0) {
      let m = 0;
      for (let i = 0; i < n; i++) {
        const id = ids[i]!;
        if (byId[id]! >= minP) ids[m++] = id;
      }
      n = m;
    }
    if (!sorted) sortByKeyDesc(ids, n, work);

    // top-p over the distribution after top-k (normalized by z); then renormalize what is kept.
    let kept = n;
    if (topP < 1) {
      let cum = 0;
      for (let i = 0; i < n; i++) {
        cum += byId[ids[i]!]! / z;
        if (cum >= topP) {
          kept = i + 1;
          break;
        }
      }
    }
    let sum = 0;
    for (let i = 0; i < kept; i++) sum += byId[ids[i]!]!;
    for (let i = 0; i < kept; i++) probs[i] = byId[ids[i]!]! / sum;
    return kept;
  }

  /** Forgets the token history and re-seeds (a new sequence with the same parameters). */
  reset(seed = this.params.seed): void {
    this.penalties.reset();
    this.rng.seed(seed);
  }
}
