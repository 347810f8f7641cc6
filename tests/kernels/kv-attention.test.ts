import { afterAll, describe, expect, it } from "vitest";
import type { AttentionParams } from "../../src/kernels/backend.js";
import type { KvRows, KvType } from "../../src/kernels/kv-layer.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { KvStore } from "../../src/kv/kv-store.js";
import { linearBatch, longDecodeBatch, scatteredBatch } from "../kv/kv-batch.js";
import { randomF32, rng } from "./conformance-cases.js";
import { hostView, kvLayerOf, kvRowsOf } from "./host-view.js";
import { backendLabel, noteMemory64Skip, wasmBackendsOnBothBuilds } from "./wasm-builds.js";

// Paged attention over f16 and q8_0 KV caches: the wasm kernels (assembly/attention-rows.ts for f16,
// assembly/kv-attention.ts for q8_0) against the scalar
// oracle (float64 sums, two-pass softmax) over the same stored bytes: GQA groups, shuffled blocks, prefill and
// decode tokens, windows, soft-capping. Tolerance 2e-6 (measured ≤ 2.4e-7; V values ≤ 1 in magnitude; float32 online softmax and
// float32 block sums vs float64). The stored bytes themselves must be identical (wasm kvAppend = the ref writer).
const refBackend = createRefBackend();
const ref = hostView(refBackend);
const backends = wasmBackendsOnBothBuilds([{ threads: 1, relaxedSimd: false }, { threads: 2, relaxedSimd: true }]);
noteMemory64Skip();
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

interface Case { nHeads: number; nKvHeads: number; headDim: number; softcap: number; window: number; blockSize: number; long?: boolean }
const CASES: Case[] = [
  { nHeads: 8, nKvHeads: 4, headDim: 32, softcap: 0, window: 0, blockSize: 4 },
  { nHeads: 8, nKvHeads: 2, headDim: 64, softcap: 0, window: 5, blockSize: 3 },
  { nHeads: 6, nKvHeads: 3, headDim: 128, softcap: 0, window: 0, blockSize: 16 },
  { nHeads: 4, nKvHeads: 1, headDim: 32, softcap: 20, window: 0, blockSize: 5 },
  // headDim 16: q8_0 blocks span two heads; the wasm backend falls back to the reference kernel there.
  { nHeads: 4, nKvHeads: 2, headDim: 16, softcap: 0, window: 0, blockSize: 4 },
  // stories-7m's shape: f16 by token (attention-rows.ts); q8_0 falls back to the reference (48 is not whole blocks).
  { nHeads: 6, nKvHeads: 6, headDim: 48, softcap: 0, window: 0, blockSize: 16 },
  // Decode tokens whose keys span several of attention-rows.ts's 128-key tiles (longDecodeBatch).
  { nHeads: 8, nKvHeads: 4, headDim: 32, softcap: 0, window: 0, blockSize: 16, long: true },
  { nHeads: 4, nKvHeads: 1, headDim: 32, softcap: 20, window: 150, blockSize: 5, long: true },
];

function copyRows(layer: KvRows): KvRows {
  return layer instanceof Float32Array ? Float32Array.from(layer) : layer instanceof Uint16Array ? Uint16Array.from(layer) : Uint8Array.from(layer);
}

for (const wasm of backends) {
  const backend = hostView(wasm);
  for (const kvType of ["f16", "q8_0"] as KvType[]) {
    describe(`${kvType} KV attention: ${backendLabel(backend)} vs ref`, () => {
      it.each(CASES)("heads $nHeads/$nKvHeads × $headDim, softcap $softcap, window $window, block $blockSize, long $long", (c) => {
        const rand = rng(c.headDim * 31 + c.nHeads + (kvType === "q8_0" ? 7 : 0));
        const kv = c.long ? longDecodeBatch(rand, c.blockSize) : scatteredBatch(rand, c.blockSize);
        const kvDim = c.nKvHeads * c.headDim, qDim = c.nHeads * c.headDim;
        const p: AttentionParams = { nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, scale: 1 / Math.sqrt(c.headDim), softcap: c.softcap, window: c.window };
        const cache = new KvStore(wasm, { nLayers: 1, nKvHeads: c.nKvHeads, headDim: c.headDim, ctxLen: kv.nSlots, blockSize: kv.nSlots, kvType });
        const [k, v] = [cache.k[0]!, cache.v[0]!];
        const kIn = randomF32(kv.nSlots * kvDim, rand, 2), vIn = randomF32(kv.nSlots * kvDim, rand);
        backend.kvAppend(k, v, kIn, vIn, kvDim, linearBatch(kv.nSlots));
        const [kRef, vRef] = [new KvStore(refBackend, { nLayers: 1, nKvHeads: c.nKvHeads, headDim: c.headDim, ctxLen: kv.nSlots, blockSize: kv.nSlots, kvType })].map((r) => {
          ref.kvAppend(r.k[0]!, r.v[0]!, kIn, vIn, kvDim, linearBatch(kv.nSlots));
          return [kvRowsOf(r.k[0]!), kvRowsOf(r.v[0]!)] as const;
        })[0]!;
        const kRows = kvRowsOf(k);
        expect(Buffer.compare(new Uint8Array(kRows.buffer, kRows.byteOffset, kRows.byteLength), new Uint8Array(kRef.buffer, kRef.byteOffset, kRef.byteLength))).toBe(0);
        const q = randomF32(kv.nTokens * qDim, rand, 2);
        const want = new Float32Array(kv.nTokens * qDim);
        ref.attention(want, q, kvLayerOf(copyRows(kRef), kvDim), kvLayerOf(copyRows(vRef), kvDim), p, kv);
        const qb = backend.allocTensor(q.length), got = backend.allocTensor(want.length);
        qb.set(q);
        backend.attention(got, qb, k, v, p, kv);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        expect(worst).toBeLessThanOrEqual(2e-6);
      });
    });
  }
}
