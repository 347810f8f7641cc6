import { InputError } from "../errors.js";
import { hashBlock, type BlockHasher } from "./block-hash.js";

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

/** A sequence's tokens as the prefix cache reads them (an engine request is one). */
export interface TokenSequence {
  tokenAt(i: number): number;
}

/** The parent content id of a sequence's first block. */
export const ROOT_CONTENT = -1;

/**
 * The only allocator of the paged KV store's blocks, with automatic prefix caching (vLLM's KVCacheManager +
 * BlockPool). Blocks are reference-counted: a sequence's table holds each of its blocks once; a block held by
 * several sequences (a shared prefix, or a fork for n > 1) is copied before it is written. A full block is
 * registered under a key hashed from (parent content id, salt, tokens) and gets a content id that is never reused,
 * so two prompts that start the same map their common full blocks to the same physical block. A lookup verifies the
 * candidate's parent id, salt and every token, so a hash collision is a miss, never wrong KV. A block whose count
 * drops to zero joins the free queue but stays findable until it is evicted, least recently freed first.
 */
export class PrefixCache {
  private readonly refCount: Int32Array;
  /** While a block is registered: its content id (−1: not registered), its parent's, its key, salt and tokens. */
  private readonly contentOf: Float64Array;
  private readonly parentOf: Float64Array;
  private readonly keyOf: Float64Array;
  private readonly saltOf: string[];
  private readonly tokensOf: Int32Array; // [totalBlocks, blockSize]
  private readonly blockByKey = new Map<number, number>();
  /** Free blocks in eviction order (a Map keeps insertion order; the first key is the LRU block). */
  private readonly freeQueue = new Map<number, true>();
  private readonly scratch: Int32Array;
  private nextContent = 0;
  private queryCount = 0;
  private hitCount = 0;

  constructor(
    readonly totalBlocks: number,
    readonly blockSize: number,
    private readonly hash: BlockHasher = hashBlock,
  ) {
    if (!Number.isInteger(totalBlocks) || totalBlocks < 1) throw new InputError(`kv cache: totalBlocks = ${totalBlocks} must be a positive integer`);
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new InputError(`kv cache: blockSize = ${blockSize} must be a positive integer`);
    this.refCount = new Int32Array(totalBlocks);
    this.contentOf = new Float64Array(totalBlocks).fill(-1);
    this.parentOf = new Float64Array(totalBlocks);
    this.keyOf = new Float64Array(totalBlocks);
    this.saltOf = new Array<string>(totalBlocks).fill("");
    this.tokensOf = new Int32Array(totalBlocks * blockSize);
    this.scratch = new Int32Array(blockSize);
    for (let b = 0; b < totalBlocks; b++) this.freeQueue.set(b, true);
  }

  get numFreeBlocks(): number {
    return this.freeQueue.size;
  }

  /** How many sequences hold block b (more than one: shared). */
  refCountOf(b: number): number {
    return this.refCount[b]!;
  }

  /** The content id block b is registered under, or −1. */
  contentIdOf(b: number): number {
    return this.contentOf[b]!;
  }

  /**
   * The longest run of registered blocks holding the sequence's first full blocks (at most maxBlocks), each taken
   * (reference count +1). A non-empty `salt` matches only blocks registered with the same salt. Counts one query
   * per block asked and one hit per block found (token-weighted counts are ×blockSize), unless `count` is false (a
   * retry of a lookup already counted).
   */
  acquireCachedPrefix(seq: TokenSequence, maxBlocks: number, salt = "", count = true): number[] {
    const found: number[] = [];
    let parent = ROOT_CONTENT;
    for (let i = 0; i < maxBlocks; i++) {
      const b = this.find(parent, salt, seq, i);
      if (b < 0) break;
      found.push(b);
      parent = this.contentOf[b]!;
    }
    if (count) {
      this.queryCount += Math.max(0, maxBlocks);
      this.hitCount += found.length;
    }
    for (const b of found) this.take(b);
    return found;
  }

  /**
   * Registers `block`, which holds the sequence's full block number `index` computed after the content `parent`
   * (ROOT_CONTENT for the first), so later prompts can share it. Returns the content id the sequence's next block
   * chains from: the block's own, or that of an identical block registered first (this one then stays private).
   */
  commitFullBlock(block: number, parent: number, seq: TokenSequence, index: number, salt = ""): number {
    if (this.contentOf[block]! >= 0) return this.contentOf[block]!;
    const s = parent === ROOT_CONTENT ? salt : "";
    const key = this.hash(parent, s, this.readBlock(seq, index));
    const other = this.blockByKey.get(key);
    if (other !== undefined) return this.holds(other, parent, s) ? this.contentOf[other]! : this.nextContent++; // a collision: private, under an id nothing finds
    const id = this.nextContent++;
    this.contentOf[block] = id;
    this.parentOf[block] = parent;
    this.keyOf[block] = key;
    this.saltOf[block] = s;
    this.tokensOf.set(this.scratch, block * this.blockSize);
    this.blockByKey.set(key, block);
    return id;
  }

  /** Appends `n` fresh blocks to `table`, evicting cached free blocks if needed; false (and no change) if too few. */
  allocate(table: number[], n: number): boolean {
    if (n <= 0) return true;
    if (this.freeQueue.size < n) return false;
    for (let i = 0; i < n; i++) table.push(this.takeFree());
    return true;
  }

  /** A second table holding the same blocks (n > 1 sampling from one prompt); a write into one copies first. */
  fork(table: readonly number[]): number[] {
    for (const b of table) this.take(b);
    return [...table];
  }

  /**
   * Makes table[index] safe to write: a block other sequences also hold is replaced by a fresh block that
   * `copy(src, dst)` fills with its contents (copy-on-write); a registered block the sequence alone holds is
   * unregistered, since its contents are about to change. False (and no change) when no block is free for the copy.
   */
  prepareWrite(table: number[], index: number, copy: (src: number, dst: number) => void): boolean {
    const b = table[index]!;
    if (this.refCount[b]! > 1) {
      if (this.freeQueue.size === 0) return false;
      const fresh = this.takeFree();
      copy(b, fresh);
      this.refCount[b]--;
      table[index] = fresh;
      return true;
    }
    this.evict(b);
    return true;
  }

  /** Keeps the blocks of the first `nTokens` positions (e.g. after rejected speculative tokens), releasing the rest, tail first. */
  truncate(table: number[], nTokens: number): void {
    const keep = Math.ceil(nTokens / this.blockSize);
    if (keep < table.length) this.release(table, keep);
  }

  /** Releases a sequence's blocks from index `from` on (default all), tail first, so the ends of prompts are evicted before their shared starts. */
  release(table: number[], from = 0): void {
    for (let i = table.length - 1; i >= from; i--) {
      const b = table[i]!;
      const rc = --this.refCount[b];
      if (rc < 0) throw new Error(`prefix cache: block ${b} released more often than taken`);
      if (rc === 0) this.freeQueue.set(b, true);
    }
    table.length = Math.min(table.length, from);
  }

  /** Forgets every registration (blocks in use keep their data but will not be shared). */
  reset(): void {
    this.contentOf.fill(-1);
    this.blockByKey.clear();
  }

  stats(): PrefixCacheStats {
    let used = 0;
    let cachedFree = 0;
    for (let b = 0; b < this.totalBlocks; b++) {
      if (this.refCount[b]! > 0) used++;
      else if (this.contentOf[b]! >= 0) cachedFree++;
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

  /** The registered block holding the sequence's block `index` after content `parent`, or −1. */
  private find(parent: number, salt: string, seq: TokenSequence, index: number): number {
    const s = parent === ROOT_CONTENT ? salt : "";
    const b = this.blockByKey.get(this.hash(parent, s, this.readBlock(seq, index)));
    return b !== undefined && this.holds(b, parent, s) ? b : -1;
  }

  /** Whether registered block b was computed after `parent` with `salt` and holds the tokens in scratch. */
  private holds(b: number, parent: number, salt: string): boolean {
    if (this.parentOf[b] !== parent || this.saltOf[b] !== salt) return false;
    const base = b * this.blockSize;
    for (let i = 0; i < this.blockSize; i++) if (this.tokensOf[base + i] !== this.scratch[i]) return false;
    return true;
  }

  private readBlock(seq: TokenSequence, index: number): Int32Array {
    const start = index * this.blockSize;
    for (let i = 0; i < this.blockSize; i++) this.scratch[i] = seq.tokenAt(start + i);
    return this.scratch;
  }

  private takeFree(): number {
    const b = this.freeQueue.keys().next().value as number;
    this.evict(b);
    this.take(b);
    return b;
  }

  private take(b: number): void {
    if (this.refCount[b] === 0) this.freeQueue.delete(b);
    this.refCount[b]++;
  }

  private evict(b: number): void {
    if (this.contentOf[b]! < 0) return;
    const key = this.keyOf[b]!;
    if (this.blockByKey.get(key) === b) this.blockByKey.delete(key);
    this.contentOf[b] = -1;
  }
}
