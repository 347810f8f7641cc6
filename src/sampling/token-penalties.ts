import type { SamplingParams } from "./sampling-params.js";

/**
 * Repetition, presence and frequency penalties with their token history, all in preallocated arrays.
 * Repetition: llama.cpp `llama_sampler_penalties_apply` / HF `RepetitionPenaltyLogitsProcessor` (divide positive
 * logits, multiply negative ones) over the last `repeatLastN` tokens of the context.
 * Presence/frequency: OpenAI's formula `logit − count·frequency − (count > 0)·presence` over generated tokens.
 */
export class TokenPenalties {
  private readonly window: Int32Array; // ring buffer of the last tokens of the context
  private windowStart = 0;
  private windowLength = 0;
  private readonly windowCount: Int32Array; // [vocabSize] occurrences inside the window
  private readonly generatedCount: Int32Array; // [vocabSize]
  private readonly generatedDistinct: Int32Array; // distinct generated ids, in first-seen order
  private nGeneratedDistinct = 0;

  constructor(
    private readonly params: SamplingParams,
    vocabSize: number,
    ctxLen: number,
  ) {
    const n = params.repeatLastN < 0 ? ctxLen : params.repeatLastN;
    this.window = new Int32Array(Math.max(n, 0));
    this.windowCount = new Int32Array(vocabSize);
    this.generatedCount = new Int32Array(vocabSize);
    this.generatedDistinct = new Int32Array(vocabSize);
  }

  get active(): boolean {
    const p = this.params;
    return (p.repeatPenalty !== 1 && this.window.length > 0) || p.presencePenalty !== 0 || p.frequencyPenalty !== 0;
  }

  /** Records a token of the context: prompt tokens with generated = false, sampled tokens with generated = true. */
  accept(id: number, generated: boolean): void {
    const cap = this.window.length;
    if (cap > 0) {
      if (this.windowLength === cap) {
        this.windowCount[this.window[this.windowStart]!]!--;
        this.window[this.windowStart] = id;
        this.windowStart = (this.windowStart + 1) % cap;
      } else {
        this.window[(this.windowStart + this.windowLength) % cap] = id;
        this.windowLength++;
      }
      this.windowCount[id]!++;
    }
    if (generated) {
      if (this.generatedCount[id] === 0) this.generatedDistinct[this.nGeneratedDistinct++] = id;
      this.generatedCount[id]!++;
    }
  }

  /** Applies the penalties to logits [vocabSize] in place. */
  apply(logits: Float32Array): void {
    const { repeatPenalty, presencePenalty, frequencyPenalty } = this.params;
    if (repeatPenalty !== 1) {
      const cap = this.window.length;
      // Negate windowCount while visiting so each distinct id is penalized once; restored below.
      for (let i = 0; i < this.windowLength; i++) {
        const id = this.window[(this.windowStart + i) % cap]!;
        const c = this.windowCount[id]!;
        if (c <= 0) continue;
        const l = logits[id]!;
        logits[id] = l <= 0 ? l * repeatPenalty : l / repeatPenalty;
        this.windowCount[id] = -c;
      }
      for (let i = 0; i < this.windowLength; i++) {
        const id = this.window[(this.windowStart + i) % cap]!;
        if (this.windowCount[id]! < 0) this.windowCount[id] = -this.windowCount[id]!;
      }
    }
    if (presencePenalty !== 0 || frequencyPenalty !== 0) {
      for (let i = 0; i < this.nGeneratedDistinct; i++) {
        const id = this.generatedDistinct[i]!;
        logits[id] = logits[id]! - this.generatedCount[id]! * frequencyPenalty - presencePenalty;
      }
    }
  }

  /** Forgets all history (a new sequence). */
  reset(): void {
    this.windowCount.fill(0);
    for (let i = 0; i < this.nGeneratedDistinct; i++) this.generatedCount[this.generatedDistinct[i]!] = 0;
    this.nGeneratedDistinct = 0;
    this.windowStart = 0;
    this.windowLength = 0;
  }
}
