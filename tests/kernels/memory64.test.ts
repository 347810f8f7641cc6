import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { AttentionParams } from "../../src/kernels/backend.js";
import type { KvType } from "../../src/kernels/kv-layer.js";
import { createRefBackend, refQuantizeActivations, type ActivationQuant } from "../../src/kernels/ref/index.js";
import { chooseMemory64, WasmBackend, WasmMemoryError, WASM32_ROOM_BYTES } from "../../src/kernels/wasm/index.js";
import { KvStore } from "../../src/kv/kv-store.js";
import { loadModel } from "../../src/model/index.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { greedy, maxAbsDiff, promptLogits, readF32, trustedPrefix } from "../model/helpers.js";
import { linearBatch, scatteredBatch } from "../kv/kv-batch.js";
import { expectAttentionConforms, expectMatmulConforms, randomF32, rng } from "./conformance-cases.js";
import { hostView, kvRowsOf } from "./host-view.js";
import { MEMORY64, MEMORY64_SKIP_REASON } from "./wasm-builds.js";

const GiB = 2 ** 30;

describe("memory64 build choice", () => {
  it("auto: the 32-bit build while the model fits 4 GiB, memory64 past it where the runtime has it", () => {
    expect(chooseMemory64({}, true)).toBe(false);
    expect(chooseMemory64({ memoryBytes: WASM32_ROOM_BYTES }, true)).toBe(false);
    expect(chooseMemory64({ memoryBytes: WASM32_ROOM_BYTES + 1 }, true)).toBe(true);
    expect(chooseMemory64({ memoryBytes: 4.5 * GiB, memory64: false }, true)).toBe(false);
    expect(chooseMemory64({ memory64: true }, true)).toBe(true);
  });

  it("a model over 4 GiB where the runtime has no memory64: a WasmMemoryError naming its size and Node ≥ 24", () => {
    expect(chooseMemory64({ memoryBytes: 3 * GiB }, false)).toBe(false);
    expect(() => chooseMemory64({ memoryBytes: 4.5 * GiB }, false)).toThrow(WasmMemoryError);
    expect(() => chooseMemory64({ memoryBytes: 4.5 * GiB }, false)).toThrow(/about 4\.50 GiB .*Node ≥ 24/);
    expect(() => chooseMemory64({ memory64: true }, false)).toThrow(/no WebAssembly memory64: run it on Node ≥ 24/);
    expect(() => chooseMemory64({ memoryBytes: 17 * GiB }, true)).toThrow(/17\.00 GiB .* more than the 16\.00 GiB/);
  });

  it("WasmBackend for a 4.5 GiB model: the memory64 build on this runtime, or the typed error where it has none", async () => {
    if (!MEMORY64) {
      expect(() => new WasmBackend({ memoryBytes: 4.5 * GiB })).toThrow(/4\.50 GiB .*Node ≥ 24/);
      return;
    }
    const b = new WasmBackend({ memoryBytes: 4.5 * GiB });
    expect(b.memory64).toBe(true);
    expect(b.kernelBuild).toMatch(/^(simd|relaxed)64$/);
    expect(b.memoryRoomBytes()).toBeGreaterThan(15 * GiB);
    await b.close();
    const small = new WasmBackend({ memoryBytes: 100e6 });
    expect(small.kernelBuild).toMatch(/^(simd|relaxed)$/);
    await small.close();
  });
});

// Kernels on data placed above 4 GiB: the arena is first padded past 4.25 GiB (untouched pages cost no resident
// memory), so every weight, activation, KV layer, params block and list header the cases allocate has an address
// past 2^32, the pointers the host writes into memory included (attention params, F16 subnormal lists).
describe.skipIf(!MEMORY64)("memory64 arena above 4 GiB", () => {
  const refBackend = createRefBackend();
  const ref = hostView(refBackend);
  const backend = MEMORY64 ? new WasmBackend({ threads: 2, memory64: true }) : null;
  afterAll(async () => {
    await backend?.close();
  });
  const b = (): WasmBackend => {
    if (!backend) throw new Error("no memory64 backend");
    if (backend.arena.usedBytes < 4.25 * GiB) backend.arena.alloc(4.25 * GiB - backend.arena.usedBytes);
    return backend;
  };

  it("matmul of every weight type, weights and activations past 4 GiB", () => {
    const K_TYPES: GgmlTypeName[] = ["Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"];
    const types: GgmlTypeName[] = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", ...K_TYPES];
    const backend64 = hostView(b());
    const rand = rng(4242);
    for (const type of types) {
      const cols = K_TYPES.includes(type) ? 512 : 96;
      for (const nTokens of [1, 5]) {
        const kind: ActivationQuant = K_TYPES.includes(type) ? "Q8_K" : "Q8_0";
        const floats = type === "F32" || type === "F16" || type === "BF16";
        expectMatmulConforms(backend64, ref, type, 12, cols, nTokens, rand, (x) => (floats ? x : refQuantizeActivations(kind, x, nTokens, cols)));
      }
    }
    const probe = backend64.allocTensor(4);
    expect(backend64.arena.addressOf(probe)).toBeGreaterThan(2 ** 32);
  });

  it("attention over f32, f16 and q8_0 KV caches past 4 GiB (params and block tables there too)", () => {
    const wasm = b(), backend64 = hostView(wasm);
    const rand = rng(77);
    const p: AttentionParams = { nHeads: 8, nKvHeads: 2, headDim: 64, scale: 0.125, softcap: 0, window: 0 };
    expectAttentionConforms(backend64, ref, p, scatteredBatch(rand, 4), rand);
    for (const kvType of ["f16", "q8_0"] as KvType[]) {
      const kv = scatteredBatch(rand, 4);
      const kvDim = p.nKvHeads * p.headDim, qDim = p.nHeads * p.headDim;
      const opts = { nLayers: 1, nKvHeads: p.nKvHeads, headDim: p.headDim, ctxLen: kv.nSlots, blockSize: kv.nSlots, kvType };
      const cache = new KvStore(wasm, opts), refCache = new KvStore(refBackend, opts);
      expect(wasm.arena.addressOf(kvRowsOf(cache.k[0]!))).toBeGreaterThan(2 ** 32);
      const kIn = randomF32(kv.nSlots * kvDim, rand, 2), vIn = randomF32(kv.nSlots * kvDim, rand);
      backend64.kvAppend(cache.k[0]!, cache.v[0]!, kIn, vIn, kvDim, linearBatch(kv.nSlots));
      ref.kvAppend(refCache.k[0]!, refCache.v[0]!, kIn, vIn, kvDim, linearBatch(kv.nSlots));
      const q = randomF32(kv.nTokens * qDim, rand, 2);
      const want = new Float32Array(kv.nTokens * qDim);
      ref.attention(want, q, refCache.k[0]!, refCache.v[0]!, p, kv);
      const qb = backend64.allocTensor(q.length), got = backend64.allocTensor(want.length);
      qb.set(q);
      backend64.attention(got, qb, cache.k[0]!, cache.v[0]!, p, kv);
      expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(2e-6);
    }
  });

  it("stories-7m F16 GGUF loaded past 4 GiB: prompt logits within 2e-3 of transformers, greedy tokens match", async () => {
    const backend64 = b();
    const model = loadModel("models/stories-7m/stories-7m-f16.gguf", { backend: backend64 });
    const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as {
      prompts: { ids: number[]; greedy: number[]; greedy_margins: number[] }[];
    };
    const p0 = reference.prompts[0]!;
    expect(maxAbsDiff(await promptLogits(model, p0.ids), readF32("models/stories-7m/prompt0_logits.f32"))).toBeLessThan(2e-3);
    for (const p of reference.prompts) {
      const n = Math.min(24, trustedPrefix(p.greedy_margins));
      expect(await greedy(model, p.ids, n)).toEqual(p.greedy.slice(0, n));
    }
    expect(backend64.arena.usedBytes).toBeGreaterThan(4.25 * GiB);
  });
});

describe.skipIf(MEMORY64)("memory64 arena above 4 GiB", () => {
  it.skip(MEMORY64_SKIP_REASON, () => undefined);
});
