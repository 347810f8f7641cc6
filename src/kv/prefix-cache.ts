import { createHash } from "node:crypto";
import { InputError } from "../errors.js";

/** KV blocks as the prefix cache sees them: how many are held by sequences, free, and free-but-still-cached. */
export interface PrefixCacheStats {
  blockSize: number;
  totalBlocks: number;
  usedBlocks: number;
  freeBlocks: number;
  cachedBlocks: number;
  queries: number;
  hits: number;
}

/**
 * Block ownership for the paged KV cache with automatic prefix caching (vLLM's KVCacheManager + BlockPool).
 * A full block is identified by the hash of its tokens chained with its parent block's hash, so two prompts
 * that start the same map their common full blocks to the same physical block. Blocks are reference-counted;
 * a block whose count drops to zero joins the free queue but stays findable by hash until it is evicted,
 * least recently freed first.
 */
export class PrefixCache {
  private readonly refCount: Int32Array;
  private readonly hashOf: (string | null)[];
  private readonly blockByHash = new Map<string, number>();
  /** Free blocks in eviction order (a Map keeps insertion order; the first key is the LRU block). */
  private readonly freeQueue = new Map<number, true>();
  private queryCount = 0;
  private hitCount = 0;

  constructor(
    readonly totalBlocks: number,
    readonly blockSize: number,
  ) {
    if (!Number.isInteger(totalBlocks) || totalBlocks < 1) throw new InputError(`kv cache: totalBlocks = ${totalBlocks} must be a positive integer`);
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new InputError(`kv cache: blockSize = ${blockSize} must be a positive integer`);
    this.refCount = new Int32Array(totalBlocks);
    this.hashOf = new Array<string | null>(totalBlocks).fill(null);
    for (let b = 0; b < totalBlocks; b++) this.freeQueue.set(b, true);
  }

  get numFreeBlocks(): number {
    return this.freeQueue.size;
  }

  /** How many sequences hold block b (more than one: shared through the prefix cache). */
  refCountOf(b: number): number {
    return this.refCount[b];
  }

  /**
   * Chained hashes of the full blocks of a sequence's first nTokens tokens, continuing from `known` (the hashes
   * already computed). A non-empty `salt` starts the chain from another root, so salted blocks match only blocks
   * of the same salt (the NUL keeps "root" and every salted root apart).
   */
  extendBlockHashes(tokenAt: (i: number) => number, nTokens: number, known: string[], salt = ""): void {
    const bs = this.blockSize;
    for (let b = known.length; (b + 1) * bs <= nTokens; b++) {
      const h = createHash("sha256");
      h.update(b === 0 ? (salt === "" ? "root" : `salt\u0000${salt}`) : known[b - 1]);
      const ids = new Int32Array(bs);
      for (let i = 0; i < bs; i++) ids[i] = tokenAt(b * bs + i);
      h.update(new Uint8Array(ids.buffer));
      known.push(h.digest("base64"));
    }
  }

  /**
   * The longest run of cached blocks matching `hashes` from the start, each taken (reference count +1).
   * Counts one query per block asked and one hit per block found (token-weighted counts are ×blockSize), unless
   * `count` is false (a retry of a lookup already counted).
   */
  acquireCachedPrefix(hashes: readonly string[], maxBlocks: number, count = true): number[] {
    const found: number[] = [];
    for (let i = 0; i < hashes.length && i < maxBlocks; i++) {
      const b = this.blockByHash.get(hashes[i]);
      if (b === undefined) break;
      found.push(b);
    }
    if (count) {
      this.queryCount += Math.min(hashes.length, maxBlocks);
      this.hitCount += found.length;
    }
    for (const b of found) this.take(b);
    return found;
  }

  /** Appends `n` fresh blocks to `table`, evicting cached free blocks if needed; false (and no change) if too few. */
  allocate(table: number[], n: number): boolean {
    if (n <= 0) return true;
    if (this.freeQueue.size < n) return false;
    for (let i = 0; i < n; i++) {
      const b = this.freeQueue.keys().next().value as number;
      this.evict(b);
      this.take(b);
      table.push(b);
    }
    return true;
  }

  /** Registers a sequence's full physical block `block` under its chained hash, so later prompts can share it. */
  commitFullBlock(block: number, hash: string): void {
    if (this.hashOf[block] !== null) return;
    if (this.blockByHash.has(hash)) return; // an identical block computed concurrently: keep the first one
    this.hashOf[block] = hash;
    this.blockByHash.set(hash, block);
  }

  /** Releases a sequence's blocks, tail first, so the ends of prompts are evicted before their shared starts. */
  release(table: number[]): void {
    for (let i = table.length - 1; i >= 0; i--) {
      const b = table[i];
      const rc = --this.refCount[b];
      if (rc < 0) throw new Error(`prefix cache: block ${b} released more often than taken`);
      if (rc === 0) this.freeQueue.set(b, true);
    }
    table.length = 0;
  }

  /** Forgets every cached hash (blocks in use keep their data but will not be shared). */
  reset(): void {
    for (let b = 0; b < this.totalBlocks; b++) this.hashOf[b] = null;
    this.blockByHash.clear();
  }

  stats(): PrefixCacheStats {
    let used = 0;
    let cachedFree = 0;
    for (let b = 0; b < this.totalBlocks; b++) {
      if (this.refCount[b] > 0) used++;
      else if (this.hashOf[b] !== null) cachedFree++;
    }
    return {
      blockSize: this.blockSize,
      totalBlocks: this.totalBlocks,
      usedBlocks: used,
      freeBlocks: this.totalBlocks - used,
      cachedBlocks: cachedFree,
      queries: this.queryCount,
      hits: this.hitCount,
    };
  }

  private take(b: number): void {
    if (this.refCount[b] === 0) this.freeQueue.delete(b);
    this.refCount[b]++;
  }

  private evict(b: number): void {
    const h = this.hashOf[b];
    if (h === null) return;
    if (this.blockByHash.get(h) === b) this.blockByHash.delete(h);
    this.hashOf[b] = null;
  }
}
