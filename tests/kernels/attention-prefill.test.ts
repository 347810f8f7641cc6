import { afterAll, describe, expect, it } from "vitest";
import type { AttentionParams, KvBatchView } from "../../src/kernels/backend.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { randomF32, rng } from "./conformance-cases.js";

// The wasm prefill attention (assembly/attention-prefill.ts: four consecutive tokens of a sequence per unit, page
// by page) against the scalar oracle: prompt chunks of two sequences in one batch, continuing cached prefixes, with
// tiles that straddle the sequences (run token by token), pages of 4 and 16 slots in shuffled order, GQA groups of
// 1 to 3, sliding windows shorter than a page and longer. Tolerance as the attention conformance suite.
const ref = createRefBackend();
const backends = [new WasmBackend({ threads: 1 }), new WasmBackend({ threads: 2, relaxedSimd: false })];
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

/** A batch of (sequence, position) tokens over shuffled cache blocks; every position below a token's is cached. */
function batch(tokens: [number, number][], blockSize: number, rand: () => number): KvBatchView & { nSlots: number } {
  const maxBlocksPerSeq = Math.ceil((Math.max(...tokens.map(([, p]) => p)) + 1) / blockSize);
  const nSeqs = Math.max(...tokens.map(([s]) => s)) + 1;
  const nBlocks = nSeqs * maxBlocksPerSeq;
  const blockTables = Int32Array.from(Array.from({ length: nBlocks }, (_, i) => i).sort(() => rand() - 0.5));
  const slotOf = (seq: number, pos: number): number => blockTables[seq * maxBlocksPerSeq + Math.floor(pos / blockSize)]! * blockSize + (pos % blockSize);
  return {
    nTokens: tokens.length, blockSize,
    positions: Int32Array.from(tokens.map(([, p]) => p)),
    slots: Int32Array.from(tokens.map(([s, p]) => slotOf(s, p))),
    tokenSeq: Int32Array.from(tokens.map(([s]) => s)),
    blockTables, maxBlocksPerSeq, nSlots: nBlocks * blockSize,
  };
}

const run = (seq: number, from: number, n: number): [number, number][] => Array.from({ length: n }, (_, i) => [seq, from + i]);
const BATCHES: [string, [number, number][]][] = [
  ["one prompt from position 0", run(0, 0, 37)],
  ["two prompt chunks continuing cached prefixes", [...run(0, 21, 13), ...run(1, 5, 6)]],
  ["a chunk, then decode tokens of other sequences", [...run(0, 3, 9), [1, 30], [2, 11]]],
];
const HEADS: [number, number, number][] = [[4, 4, 8], [6, 2, 48], [9, 3, 64]];

for (const backend of backends) {
  describe(`prefill attention: wasm ${backend.simdLevel} ${backend.threads} thread(s)`, () => {
    for (const [name, tokens] of BATCHES) {
      for (const blockSize of [4, 16]) {
        for (const window of [0, 3, 20]) {
          it(`${name}, block ${blockSize}, window ${window}`, () => {
            const rand = rng(tokens.length * 131 + blockSize * 7 + window);
            for (const [nHeads, nKvHeads, headDim] of HEADS) {
              const kv = batch(tokens, blockSize, rand);
              const kvDim = nKvHeads * headDim, qDim = nHeads * headDim;
              const p: AttentionParams = { nHeads, nKvHeads, headDim, scale: 1 / Math.sqrt(headDim), softcap: 0, window };
              const k = randomF32(kv.nSlots * kvDim, rand, 2), v = randomF32(kv.nSlots * kvDim, rand);
              const q = randomF32(kv.nTokens * qDim, rand, 2);
              const want = new Float32Array(kv.nTokens * qDim);
              ref.attention(want, q, k, v, p, kv);
              const [kb, vb, qb, got] = [backend.allocF32(k.length), backend.allocF32(v.length), backend.allocF32(q.length), backend.allocF32(want.length)];
              kb.set(k); vb.set(v); qb.set(q);
              backend.attention(got, qb, kb, vb, p, kv);
              for (let i = 0; i < want.length; i++) {
                if (!(Math.abs(got[i]! - want[i]!) <= 2e-5)) expect.fail(`heads ${nHeads}/${nKvHeads}×${headDim} [${i}]: got ${got[i]}, want ${want[i]}`);
              }
            }
          });
        }
      }
    }
  });
}
