import { TsinferError } from "../errors.js";
import type { LogitsConstraint } from "../sampling/logits-constraint.js";
import type { MatcherHandle, XgrammarBinding } from "./xgrammar-module.js";

/**
 * One sequence's grammar state (an xgrammar GrammarMatcher) as a LogitsConstraint. The token bitmask is read
 * synchronously from the binding into one preallocated Int32Array per sequence (web-xgrammar's own
 * getNextTokenBitmask is async and copies into a new array per call).
 */
export class TokenConstraint implements LogitsConstraint {
  private readonly mask: Int32Array; // [ceil(vocabSize / 32)] bit i of word w: token 32w + i is allowed
  private handle: MatcherHandle | null;

  constructor(
    handle: MatcherHandle,
    private readonly binding: XgrammarBinding,
    readonly vocabSize: number,
  ) {
    this.handle = handle;
    this.mask = new Int32Array(Math.ceil(vocabSize / 32));
  }

  private get matcher(): MatcherHandle {
    if (this.handle === null) throw new TsinferError("grammar constraint used after dispose()");
    return this.handle;
  }

  /** Fills and returns the bitmask of the tokens allowed next (the array is reused by the next call). */
  nextTokenBitmask(): Int32Array {
    const vec = this.matcher.GetNextTokenBitmask(this.vocabSize);
    try {
      this.mask.set(this.binding.vecIntToView(vec));
    } finally {
      vec.delete();
    }
    return this.mask;
  }

  maskLogits(logits: Float32Array): void {
    const mask = this.nextTokenBitmask();
    const vocabSize = this.vocabSize;
    const nWords = mask.length;
    // Most words are all-allowed (-1) or all-forbidden (0): a run of forbidden words is one fill (a fill per word costs
    // more than the loop it saves), only mixed words go bit by bit.
    let w = 0;
    while (w < nWords) {
      const bits = mask[w]!;
      if (bits === -1) {
        w++;
        continue;
      }
      if (bits === 0) {
        const start = w;
        while (w < nWords && mask[w] === 0) w++;
        logits.fill(-Infinity, start << 5, Math.min(w << 5, vocabSize));
        continue;
      }
      // Mixed word: visit only its zero bits (lowest first); bits past vocabSize are never set in xgrammar's mask.
      const base = w << 5;
      let forbidden = ~bits;
      while (forbidden !== 0) {
        const id = base + 31 - Math.clz32(forbidden & -forbidden);
        if (id < vocabSize) logits[id] = -Infinity;
        forbidden &= forbidden - 1;
      }
      w++;
    }
  }

  accept(id: number): void {
    if (!this.matcher.AcceptToken(id, false)) throw new TsinferError(`grammar: token ${id} is not allowed at this point of the output`);
  }

  get isTerminated(): boolean {
    return this.matcher.IsTerminated();
  }

  rollback(nTokens: number): void {
    this.matcher.Rollback(nTokens);
  }

  dispose(): void {
    this.handle?.delete();
    this.handle = null;
  }
}
