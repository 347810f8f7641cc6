/**
 * Reference-counted physical KV blocks (vLLM's BlockPool without the hash index): a block is free when its count
 * is 0. Counts above 1 mean the block is shared (forked sequences, later prefix sharing) and is copied before a write.
 */
export class BlockPool {
  private readonly refCount: Int32Array;
  private readonly freeStack: Int32Array;
  private nFree: number;

  constructor(readonly totalBlocks: number) {
    this.refCount = new Int32Array(totalBlocks);
    this.freeStack = new Int32Array(totalBlocks);
    // Lowest ids on top so allocation order is 0, 1, 2, … (easier to read in dumps).
    for (let i = 0; i < totalBlocks; i++) this.freeStack[i] = totalBlocks - 1 - i;
    this.nFree = totalBlocks;
  }

  get freeBlocks(): number {
    return this.nFree;
  }

  get usedBlocks(): number {
    return this.totalBlocks - this.nFree;
  }

  /** A free block with count 1, or -1 when none is left. */
  allocate(): number {
    if (this.nFree === 0) return -1;
    const b = this.freeStack[--this.nFree]!;
    this.refCount[b] = 1;
    return b;
  }

  retain(block: number): void {
    this.refCount[block] = this.refCount[block]! + 1;
  }

  release(block: number): void {
    const n = this.refCount[block]! - 1;
    if (n < 0) throw new Error(`kv block pool: block ${block} released more often than retained`);
    this.refCount[block] = n;
    if (n === 0) this.freeStack[this.nFree++] = block;
  }

  refs(block: number): number {
    return this.refCount[block]!;
  }
}
