import { afterAll, describe, it } from "vitest";
import type { AttentionParams } from "../../src/kernels/backend.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { longDecodeBatch, scatteredBatch } from "../kv/kv-batch.js";
import { expectAttentionConforms, rng } from "./conformance-cases.js";
import { backendLabel, noteMemory64Skip, wasmBackendsOnBothBuilds } from "./wasm-builds.js";

// Paged attention of every fast backend against the scalar oracle (float64 sums, two-pass softmax): GQA groups,
// two sequences with scattered, shuffled cache blocks, several tokens per sequence (prefill) and single tokens
// (decode), sliding windows and soft-capping. Tolerance: 2e-5 · max|V| (float32 online softmax vs float64).
const ref = createRefBackend();
const backends = wasmBackendsOnBothBuilds([{ threads: 1, relaxedSimd: false }, { threads: 2, relaxedSimd: true }]);
noteMemory64Skip();
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

interface Case { nHeads: number; nKvHeads: number; headDim: number; softcap: number; window: number; blockSize: number }
const CASES: Case[] = [
  { nHeads: 4, nKvHeads: 4, headDim: 8, softcap: 0, window: 0, blockSize: 4 },
  // Odd GQA groups (pairs of query heads, then the last alone) in attentionRows (head sizes not a multiple of 8).
  { nHeads: 9, nKvHeads: 3, headDim: 12, softcap: 0, window: 0, blockSize: 16 },
  { nHeads: 14, nKvHeads: 2, headDim: 20, softcap: 0, window: 7, blockSize: 4 },
  { nHeads: 8, nKvHeads: 2, headDim: 12, softcap: 0, window: 0, blockSize: 3 },
  { nHeads: 6, nKvHeads: 3, headDim: 64, softcap: 0, window: 5, blockSize: 16 },
  { nHeads: 4, nKvHeads: 1, headDim: 16, softcap: 20, window: 0, blockSize: 5 },
  // stories-7m's shape (no GQA: the by-token kernel, attention-rows.ts), and with soft-capping.
  { nHeads: 6, nKvHeads: 6, headDim: 48, softcap: 0, window: 0, blockSize: 16 },
  { nHeads: 6, nKvHeads: 6, headDim: 48, softcap: 30, window: 3, blockSize: 4 },
];
const LONG_CASES: Case[] = [
  { nHeads: 9, nKvHeads: 3, headDim: 12, softcap: 0, window: 0, blockSize: 16 },
  { nHeads: 8, nKvHeads: 8, headDim: 32, softcap: 0, window: 200, blockSize: 16 },
  { nHeads: 4, nKvHeads: 1, headDim: 16, softcap: 20, window: 0, blockSize: 5 },
  { nHeads: 6, nKvHeads: 2, headDim: 64, softcap: 0, window: 130, blockSize: 7 },
];

for (const backend of backends) {
  describe(`attention conformance: ${backendLabel(backend)}`, () => {
    it.each(CASES)("heads $nHeads/$nKvHeads × $headDim, softcap $softcap, window $window, block $blockSize", (c) => {
      const rand = rng(c.headDim * 31 + c.nHeads);
      const kv = scatteredBatch(rand, c.blockSize);
      const p: AttentionParams = { nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, scale: 1 / Math.sqrt(c.headDim), softcap: c.softcap, window: c.window };
      expectAttentionConforms(backend, ref, p, kv, rand);
    });
    // Decode tokens whose keys span several tiles: the running maximum rises from tile to tile, windows start
    // inside a tile and end in the next.
    // Raw scores far beyond a small cap (±100 against 1): the softmax must see only capped scores, the padding of
    // a tile's last four keys included.
    it.each([1, 4])("long decode, scores capped from about ±100 to ±1: %i KV head(s)", (nKvHeads) => {
      const rand = rng(71 + nKvHeads);
      const kv = longDecodeBatch(rand, 16);
      const p: AttentionParams = { nHeads: 4, nKvHeads, headDim: 32, scale: 1 / Math.sqrt(32), softcap: 1, window: 0 };
      expectAttentionConforms(backend, ref, p, kv, rand, 2e-5, 300);
    });
    it.each(LONG_CASES)("long decode: heads $nHeads/$nKvHeads × $headDim, softcap $softcap, window $window, block $blockSize", (c) => {
      const rand = rng(c.headDim * 37 + c.nHeads + c.window);
      const kv = longDecodeBatch(rand, c.blockSize);
      const p: AttentionParams = { nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, scale: 1 / Math.sqrt(c.headDim), softcap: c.softcap, window: c.window };
      expectAttentionConforms(backend, ref, p, kv, rand);
    });
  });
}
