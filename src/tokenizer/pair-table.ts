/**
 * An open-addressing hash table from a pair of token ids to a merge rank, in typed arrays: building it for hundreds of
 * thousands of merges and probing it in the merge loop stay free of per-entry allocation (a Map keyed by
 * left * 2^21 + right would box every key).
 */
export class PairTable {
  private readonly mask: number;
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly ranks: Int32Array;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.lefts = new Int32Array(capacity).fill(-1);
    this.rights = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
  }

  private slot(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) & this.mask;
  }

  /** Keeps the first rank given for a pair (the lowest, when merges are added in rank order). */
  setIfAbsent(left: number, right: number, rank: number): void {
    let i = this.slot(left, right);
    for (;;) {
      const l = this.lefts[i] as number;
      if (l === -1) {
        this.lefts[i] = left;
        this.rights[i] = right;
        this.ranks[i] = rank;
        return;
      }
      if (l === left && this.rights[i] === right) return;
      i = (i + 1) & this.mask;
    }
  }

  /** The rank of merging `left` then `right`, or -1. */
  get(left: number, right: number): number {
    let i = this.slot(left, right);
    for (;;) {
      const l = this.lefts[i] as number;
      if (l === -1) return -1;
      if (l === left && this.rights[i] === right) return this.ranks[i] as number;
      i = (i + 1) & this.mask;
    }
  }
}
