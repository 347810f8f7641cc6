import { afterAll, describe, expect, it } from "vitest";
import type { KvType } from "../../src/kernels/kv-layer.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { KvStore } from "../../src/kv/kv-store.js";
import { scatteredBatch } from "../kv/kv-batch.js";
import { randomF32, rng } from "./conformance-cases.js";
import { hostView, kvRowsOf } from "./host-view.js";
import { backendLabel, noteMemory64Skip, wasmBackendsOnBothBuilds } from "./wasm-builds.js";

// The wasm KV append (assembly/kv-append.ts: f32 copy, f16 round-to-nearest-even) against the reference writer
// (kernels/ref/kv-rows.ts): the stored bytes must be identical, for random rows and for the values where rounding
// to half is delicate (ties, the subnormal range, overflow, infinities, NaN, signed zero), into scattered slots.
const refBackend = createRefBackend();
const ref = hostView(refBackend);
const backends = wasmBackendsOnBothBuilds([{ threads: 1 }, { threads: 2 }]);
noteMemory64Skip();
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

const SPECIAL = [0, -0, 1, -1, 65504, 65519.99, 65520, -65520, 1e9, Infinity, -Infinity, NaN, -NaN, 6.1035156e-5,
  6.0975552e-5, 5.9604645e-8, 2.9802322e-8, 2.9802326e-8, -1.7881393e-7, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051,
  0.1, -0.333333343, 1e-10, 3.4028235e38];

for (const wasm of backends) {
  const backend = hostView(wasm);
  for (const kvType of ["f32", "f16"] as KvType[]) {
    describe(`${kvType} KV append: ${backendLabel(backend)} vs ref`, () => {
      it("stores the same bytes as the reference writer", () => {
        const rand = rng(kvType === "f16" ? 5 : 3);
        const kv = scatteredBatch(rand, 4);
        const kvDim = 64;
        const opts = { nLayers: 1, nKvHeads: 2, headDim: 32, ctxLen: kv.nSlots, blockSize: kv.nSlots, kvType };
        const cache = new KvStore(wasm, opts), refCache = new KvStore(refBackend, opts);
        const k = randomF32(kv.nTokens * kvDim, rand, 3), v = randomF32(kv.nTokens * kvDim, rand, 1e-4);
        k.set(SPECIAL, 3);
        v.set(SPECIAL.map((x) => -x), kvDim + 1);
        const kb = backend.allocTensor(k.length), vb = backend.allocTensor(v.length);
        kb.set(k);
        vb.set(v);
        backend.kvAppend(cache.k[0]!, cache.v[0]!, kb, vb, kvDim, kv);
        ref.kvAppend(refCache.k[0]!, refCache.v[0]!, k, v, kvDim, kv);
        for (const [gotLayer, wantLayer] of [[cache.k[0]!, refCache.k[0]!], [cache.v[0]!, refCache.v[0]!]] as const) {
          const got = kvRowsOf(gotLayer), want = kvRowsOf(wantLayer);
          const g = new Uint8Array(got.buffer, got.byteOffset, got.byteLength);
          const w = new Uint8Array(want.buffer, want.byteOffset, want.byteLength);
          expect(Buffer.compare(g, w)).toBe(0);
        }
      });
    });
  }
}
