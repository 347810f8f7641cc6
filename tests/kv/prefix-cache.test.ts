import { describe, expect, it } from "vitest";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { hashBlock } from "../../src/kv/block-hash.js";
import { KvStore } from "../../src/kv/kv-store.js";
import { PrefixCache, ROOT_CONTENT, type TokenSequence } from "../../src/kv/prefix-cache.js";
import { tablesBatch } from "./kv-batch.js";

const seq = (tokens: readonly number[]): TokenSequence => ({ tokenAt: (i) => tokens[i]! });

/** Registers the full blocks of `tokens` held in `table`, as the engine does after a step; returns their content ids. */
function commitAll(cache: PrefixCache, table: readonly number[], tokens: readonly number[], salt = ""): number[] {
  const ids: number[] = [];
  for (let b = 0; (b + 1) * cache.blockSize <= tokens.length && b < table.length; b++) ids.push(cache.commitFullBlock(table[b]!, b === 0 ? ROOT_CONTENT : ids[b - 1]!, seq(tokens), b, salt));
  return ids;
}

describe("PrefixCache: sharing", () => {
  it("shares full blocks of a common prefix and only those", () => {
    const cache = new PrefixCache(8, 4);
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const tableA: number[] = [];
    expect(cache.acquireCachedPrefix(seq(a), 2)).toEqual([]);
    expect(cache.allocate(tableA, 3)).toBe(true);
    commitAll(cache, tableA, a);
    const b = [1, 2, 3, 4, 5, 6, 7, 0, 9];
    expect(cache.acquireCachedPrefix(seq(b), 2)).toEqual([tableA[0]]);
    expect(cache.acquireCachedPrefix(seq(a), 2)).toEqual([tableA[0], tableA[1]]);
    const s = cache.stats();
    expect(s.usedBlocks).toBe(3);
    expect(s.queries).toBe(6);
    expect(s.hits).toBe(3);
    expect(cache.refCountOf(tableA[0]!)).toBe(3);
  });

  it("keeps released blocks findable until evicted, least recently freed first", () => {
    const cache = new PrefixCache(3, 2);
    const t1: number[] = [];
    cache.allocate(t1, 2);
    commitAll(cache, t1, [1, 2, 3, 4]);
    cache.release(t1);
    expect(cache.stats()).toMatchObject({ usedBlocks: 0, freeBlocks: 3, cachedBlocks: 2 });
    const t2: number[] = [];
    cache.allocate(t2, 1); // the never-used block goes first
    expect(cache.stats().cachedBlocks).toBe(2);
    cache.allocate(t2, 1); // then the tail block of the released sequence (released tail first)
    expect(cache.acquireCachedPrefix(seq([1, 2, 3, 4]), 2).length).toBe(1);
    expect(cache.allocate(t2, 5)).toBe(false);
  });

  it("matches a salted block only under the same salt", () => {
    const cache = new PrefixCache(8, 2);
    const tokens = [5, 6, 7, 8, 9];
    const t: number[] = [];
    cache.allocate(t, 2);
    commitAll(cache, t, tokens, "tenant-a");
    expect(cache.acquireCachedPrefix(seq(tokens), 2, "tenant-b")).toEqual([]);
    expect(cache.acquireCachedPrefix(seq(tokens), 2)).toEqual([]);
    expect(cache.acquireCachedPrefix(seq(tokens), 2, "tenant-a")).toEqual(t);
  });

  it("keeps the first of two identical blocks; the second chains from it", () => {
    const cache = new PrefixCache(8, 2);
    const tokens = [1, 2, 3, 4];
    const [a, b]: number[][] = [[], []];
    cache.allocate(a, 2);
    cache.allocate(b, 2);
    const ia = commitAll(cache, a, tokens);
    const ib = commitAll(cache, b, tokens);
    expect(ib).toEqual(ia);
    const held = [...a];
    cache.release(a);
    cache.release(b);
    expect(cache.stats().cachedBlocks).toBe(2); // a's blocks; b's copies were never registered
    expect(cache.acquireCachedPrefix(seq(tokens), 2)).toEqual(held);
  });

  it("a hash collision is a miss, never another prefix's KV: every key collides under a constant hasher", () => {
    const cache = new PrefixCache(16, 2, () => 42);
    const [a, b, c]: number[][] = [[], [], []];
    const ta = [1, 2, 3, 4, 5];
    cache.allocate(a, 3);
    commitAll(cache, a, ta);
    expect(cache.acquireCachedPrefix(seq([1, 9, 3, 4, 5]), 2)).toEqual([]); // same key, other tokens
    expect(cache.acquireCachedPrefix(seq([1, 2]), 1, "salted")).toEqual([]); // same key and tokens, other salt
    cache.allocate(b, 3);
    const tb = [7, 7, 3, 4, 5]; // block 1 equals a's block 1, after another parent
    commitAll(cache, b, tb);
    expect(cache.acquireCachedPrefix(seq(tb), 2)).toEqual([]); // the key is a's first block's: b's stayed private
    expect(cache.acquireCachedPrefix(seq(ta), 2)).toEqual([a[0]]); // so did a's second
    cache.allocate(c, 1);
    expect(cache.acquireCachedPrefix(seq([1, 2, 9, 9, 9]), 2)).toEqual([a[0]]);
  });

  it("a block equal to a cached one after another prefix is no hit, even when the hash ignores the prefix", () => {
    const cache = new PrefixCache(16, 2, (_parent, salt, tokens) => hashBlock(0, salt, tokens));
    const [a, b]: number[][] = [[], []];
    cache.allocate(a, 2);
    commitAll(cache, a, [1, 2, 3, 4]);
    cache.allocate(b, 2);
    commitAll(cache, b, [7, 7, 3, 4]); // block 1's key is a's block 1's: b's stays private
    const hit = cache.acquireCachedPrefix(seq([7, 7, 3, 4, 0]), 2);
    expect(hit).toEqual([b[0]]); // a's block 1 holds [3, 4] computed after [1, 2]: its KV differs
  });

  it("the default hash spreads: 20000 distinct blocks, no key repeated", () => {
    const keys = new Set<number>();
    const tokens = new Int32Array(16);
    for (let i = 0; i < 20000; i++) {
      tokens[i % 16] = i;
      keys.add(hashBlock(i % 7 === 0 ? ROOT_CONTENT : i, i % 3 === 0 ? "s" : "", tokens));
    }
    expect(keys.size).toBe(20000);
    for (const k of keys) expect(Number.isSafeInteger(k) && k >= 0).toBe(true);
  });

  it("refuses a double release", () => {
    const cache = new PrefixCache(2, 2);
    const t: number[] = [];
    cache.allocate(t, 1);
    const copy = [...t];
    cache.release(t);
    expect(() => cache.release(copy)).toThrow(/released more often/);
  });
});

describe("PrefixCache + KvStore: allocation, fork, copy-on-write, truncation", () => {
  const backend = createRefBackend();
  // 2 layers × kvDim 16, 4 blocks of 4 tokens, sequences of up to 10 positions (3 blocks).
  const make = () => {
    const kv = new KvStore(backend, { nLayers: 2, nKvHeads: 2, headDim: 8, ctxLen: 10, capacityTokens: 16, blockSize: 4 });
    return { kv, cache: new PrefixCache(kv.totalBlocks, kv.blockSize) };
  };

  it("allocates blocks as positions grow, maps slots through the block tables, frees", () => {
    const { kv, cache } = make();
    const [s5, s9]: number[][] = [[], []];
    expect(cache.allocate(s5, 2) && cache.allocate(s9, 1)).toBe(true);
    expect([s5, s9]).toEqual([[0, 1], [2]]);
    const view = kv.view(tablesBatch([s5, s9], [[0, 0], [0, 4], [1, 0]], kv.maxBlocksPerSeq));
    expect([...view.slots.subarray(0, 3)]).toEqual([0, 4, 8]);
    expect([...view.tokenSeq.subarray(0, 3)]).toEqual([0, 0, 1]);
    expect(cache.stats().usedBlocks).toBe(3);
    cache.release(s5);
    expect(cache.stats().usedBlocks).toBe(1);
    expect(s5).toEqual([]);
  });

  it("refuses a full pool without change, positions past ctxLen and blocks outside the store with typed errors", () => {
    const { kv, cache } = make();
    const [a, b]: number[][] = [[], []];
    cache.allocate(a, 3);
    cache.allocate(b, 1);
    expect(cache.numFreeBlocks).toBe(0);
    expect(cache.allocate(b, 1)).toBe(false);
    expect(b.length).toBe(1);
    expect(() => kv.view(tablesBatch([a], [[0, 10]], kv.maxBlocksPerSeq))).toThrow(/sequence 0 needs position 10, past its context length 10/);
    expect(() => kv.view(tablesBatch([[0, 9]], [[0, 5]], kv.maxBlocksPerSeq))).toThrow(/names block 9 at index 1, outside the store's 4 blocks/);
    expect(() => kv.view(tablesBatch([[0]], [[0, 4]], kv.maxBlocksPerSeq))).toThrow(/names block -1 at index 1/);
  });

  it("fork shares blocks; a write into a shared block copies it first; truncate releases", async () => {
    const { kv, cache } = make();
    const s1: number[] = [];
    cache.allocate(s1, 1); // positions 0, 1 written
    const layer0 = new Float32Array(16 * 16).fill(3, 0, 64); // block 0's data in layer 0 (blockSize 4 × kvDim 16)
    backend.writeKvLayer(kv.k[0]!, new Uint8Array(layer0.buffer));
    const s2 = cache.fork(s1);
    expect(cache.stats().usedBlocks).toBe(1);
    expect(s2).toEqual([0]);
    expect(cache.prepareWrite(s2, 0, (src, dst) => kv.copyBlock(src, dst))).toBe(true); // s2 writes position 2
    expect([s1, s2]).toEqual([[0], [1]]);
    expect(kv.view(tablesBatch([s1, s2], [[1, 2]], kv.maxBlocksPerSeq)).slots[0]).toBe(4 + 2);
    const copied = new Float32Array((await backend.readKvLayer(kv.k[0]!)).slice().buffer);
    expect([...copied.subarray(64, 128)].every((x) => x === 3)).toBe(true); // the shared block was copied
    expect(cache.prepareWrite(s1, 0, () => { throw new Error("not shared: no copy"); })).toBe(true);
    cache.allocate(s1, 1); // s1 grows to position 6
    cache.truncate(s1, 3);
    expect(s1).toEqual([0]);
    expect(cache.stats().usedBlocks).toBe(2);
  });

  it("a write into a registered block it alone holds unregisters it", () => {
    const { cache } = make();
    const t: number[] = [];
    cache.allocate(t, 2);
    commitAll(cache, t, [1, 2, 3, 4, 5, 6, 7, 8]);
    cache.truncate(t, 6); // e.g. rejected speculative tokens: positions 6, 7 are written again
    expect(cache.prepareWrite(t, 1, () => undefined)).toBe(true);
    expect(cache.acquireCachedPrefix(seq([1, 2, 3, 4, 5, 6, 7, 8, 9]), 2)).toEqual([t[0]]);
  });
});
