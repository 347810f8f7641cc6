import { describe, expect, it } from "vitest";
import { PrefixCache } from "../../src/kv/prefix-cache.js";

function hashes(cache: PrefixCache, tokens: number[]): string[] {
  const out: string[] = [];
  cache.extendBlockHashes((i) => tokens[i], tokens.length, out);
  return out;
}

describe("PrefixCache", () => {
  it("shares full blocks of a common prefix and only those", () => {
    const cache = new PrefixCache(8, 4);
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ha = hashes(cache, a);
    expect(ha.length).toBe(2);
    const tableA: number[] = [];
    expect(cache.acquireCachedPrefix(ha, 2)).toEqual([]);
    expect(cache.allocate(tableA, 3)).toBe(true);
    cache.commitFullBlock(tableA[0], ha[0]);
    cache.commitFullBlock(tableA[1], ha[1]);
    const b = [1, 2, 3, 4, 5, 6, 7, 0, 9];
    const hb = hashes(cache, b);
    expect(hb[0]).toBe(ha[0]);
    expect(hb[1]).not.toBe(ha[1]);
    expect(cache.acquireCachedPrefix(hb, 2)).toEqual([tableA[0]]);
    const s = cache.stats();
    expect(s.usedBlocks).toBe(3);
    expect(s.queries).toBe(4);
    expect(s.hits).toBe(1);
  });

  it("keeps released blocks findable until evicted, least recently freed first", () => {
    const cache = new PrefixCache(3, 2);
    const t1: number[] = [];
    cache.allocate(t1, 2);
    const h = hashes(cache, [1, 2, 3, 4]);
    cache.commitFullBlock(t1[0], h[0]);
    cache.commitFullBlock(t1[1], h[1]);
    cache.release(t1);
    expect(cache.stats()).toMatchObject({ usedBlocks: 0, freeBlocks: 3, cachedBlocks: 2 });
    const t2: number[] = [];
    cache.allocate(t2, 1); // the never-used block goes first
    expect(cache.stats().cachedBlocks).toBe(2);
    cache.allocate(t2, 1); // then the tail block of the released sequence (released tail first)
    expect(cache.acquireCachedPrefix(h, 2).length).toBe(1);
    expect(cache.allocate(t2, 5)).toBe(false);
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
