import { afterAll, describe, it } from "vitest";
import type { AttentionParams } from "../../src/kernels/backend.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { pagedBatch } from "../kv/kv-batch.js";
import { expectAttentionConforms, rng } from "./conformance-cases.js";
import { hostView } from "./host-view.js";
import { backendLabel, noteMemory64Skip, wasmBackendsOnBothBuilds } from "./wasm-builds.js";

// The wasm prefill attention (assembly/attention-prefill.ts: four consecutive tokens of a sequence per unit, page
// by page) against the scalar oracle: prompt chunks of two sequences in one batch, continuing cached prefixes, with
// tiles that straddle the sequences (run token by token), pages of 4 and 16 slots in shuffled order, GQA groups of
// 1 to 3, sliding windows shorter than a page and longer. Tolerance as the attention conformance suite.
const ref = hostView(createRefBackend());
const backends = wasmBackendsOnBothBuilds([{ threads: 1 }, { threads: 2, relaxedSimd: false }]).map((b) => hostView(b));
noteMemory64Skip();
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

const run = (seq: number, from: number, n: number): [number, number][] => Array.from({ length: n }, (_, i) => [seq, from + i]);
const BATCHES: [string, [number, number][]][] = [
  ["one prompt from position 0", run(0, 0, 37)],
  ["two prompt chunks continuing cached prefixes", [...run(0, 21, 13), ...run(1, 5, 6)]],
  ["a chunk, then decode tokens of other sequences", [...run(0, 3, 9), [1, 30], [2, 11]]],
];
const HEADS: [number, number, number][] = [[4, 4, 8], [6, 2, 48], [9, 3, 64]];

for (const backend of backends) {
  describe(`prefill attention: ${backendLabel(backend)}`, () => {
    for (const [name, tokens] of BATCHES) {
      for (const blockSize of [4, 16]) {
        for (const window of [0, 3, 20]) {
          it(`${name}, block ${blockSize}, window ${window}`, () => {
            const rand = rng(tokens.length * 131 + blockSize * 7 + window);
            for (const [nHeads, nKvHeads, headDim] of HEADS) {
              const p: AttentionParams = { nHeads, nKvHeads, headDim, scale: 1 / Math.sqrt(headDim), softcap: 0, window };
              expectAttentionConforms(backend, ref, p, pagedBatch(tokens, blockSize, rand), rand);
            }
          });
        }
      }
    }
  });
}
