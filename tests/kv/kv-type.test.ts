import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AttentionParams, KvLayer } from "../../src/kernels/backend.js";
import { kvRowsType, parseKvType, type KvType } from "../../src/kernels/kv-layer.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { dequantizeKvRows } from "../../src/kernels/ref/kv-rows.js";
import { PagedKvCache } from "../../src/kv/paged-kv-cache.js";
import { randomF32, rng } from "../kernels/conformance-cases.js";
import { hostView, kvLayerOf, kvRowsOf } from "../kernels/host-view.js";
import { readFixtureGguf } from "../quant/read-fixture-gguf.js";
import { linearBatch, scatteredBatch } from "./kv-batch.js";

const refBackend = createRefBackend();
const ref = hostView(refBackend);
// stories-7m: 8 layers, 4 KV heads × head_dim 32 = kvDim 128.
const stories = { nLayers: 8, nKvHeads: 4, headDim: 32, ctxLen: 64, maxSeqs: 2 };

describe("KV cache element types: storage and byte accounting", () => {
  const expected: [KvType, number, string][] = [
    ["f32", 8 * 128 * 2 * 4, "Float32Array"],
    ["f16", 8 * 128 * 2 * 2, "Uint16Array"],
    ["q8_0", 8 * 128 * 2 * 1.0625, "Uint8Array"],
  ];
  it.each(expected)("%s: %d bytes per token, held in %s layers of exactly that size", async (kvType, perToken, cls) => {
    const kv = new PagedKvCache(refBackend, { ...stories, kvType });
    expect(kv.kvType).toBe(kvType);
    expect(kv.bytesPerToken).toBe(perToken);
    expect(kv.totalBytes).toBe(kv.capacityTokens * perToken);
    let held = 0;
    for (const layer of [...kv.k, ...kv.v]) {
      const rows = kvRowsOf(layer);
      expect(rows.constructor.name).toBe(cls);
      expect([layer.type, kvRowsType(rows)]).toEqual([kvType, kvType]);
      held += (await refBackend.readKvLayer(layer)).byteLength;
    }
    expect(held).toBe(kv.totalBytes);
  });

  it("q8_0 refuses a kvDim that is not a multiple of 32, naming it", () => {
    expect(() => new PagedKvCache(refBackend, { nLayers: 1, nKvHeads: 3, headDim: 16, ctxLen: 8, kvType: "q8_0" })).toThrow(/kvDim.*48/);
    expect(() => new PagedKvCache(refBackend, { nLayers: 1, nKvHeads: 3, headDim: 16, ctxLen: 8, kvType: "f16" })).not.toThrow();
  });

  it("parses --kv-type values and rejects others", () => {
    expect(parseKvType("q8_0")).toBe("q8_0");
    expect(() => parseKvType("q4_0")).toThrow(/--kv-type.*q4_0.*f32, f16 or q8_0/);
  });
});

describe("kvAppend converts on write", () => {
  it("f16 rounds to nearest even as IEEE binary16 (hand-written bit patterns)", () => {
    const values = [1, -2, 1 / 3, 0.1, 65504, 1e5, 2 ** -24, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 0];
    const bits = [0x3c00, 0xc000, 0x3555, 0x2e66, 0x7bff, 0x7c00, 0x0001, 0x3c00, 0x3c02, 0x0000];
    const kvDim = values.length;
    const k = new Uint16Array(kvDim), v = new Uint16Array(kvDim);
    ref.kvAppend(kvLayerOf(k, kvDim), kvLayerOf(v, kvDim), Float32Array.from(values), Float32Array.from(values, (x) => -x), kvDim, linearBatch(1));
    expect([...k]).toEqual(bits);
    expect([...v]).toEqual(bits.map((b) => (b === 0 ? 0x8000 : b ^ 0x8000)));
  });

  it("q8_0 writes the bytes of ggml's quantize_row_q8_0_ref (llama.cpp fixture src.Q8_0 → deq.Q8_0)", () => {
    const tensors = new Map(readFixtureGguf(new URL("../fixtures/quant/quant-types.gguf", import.meta.url).pathname).map((t) => [t.name, t]));
    const src = tensors.get("src.Q8_0")!, want = tensors.get("deq.Q8_0")!;
    const [kvDim, rows] = [128, 5];
    const x = new Float32Array(src.bytes.slice().buffer, 0, rows * kvDim);
    const k = new Uint8Array(rows * 136), v = new Uint8Array(rows * 136);
    ref.kvAppend(kvLayerOf(k, kvDim), kvLayerOf(v, kvDim), x, x, kvDim, linearBatch(rows));
    expect(Buffer.compare(k, want.bytes.subarray(0, rows * 136))).toBe(0);
    expect(Buffer.compare(v, want.bytes.subarray(0, rows * 136))).toBe(0);
    // Reading them back gives gguf-py's dequantized values (quant-types.dequant.f32 from offset 5120 floats).
    const deq = readFileSync(new URL("../fixtures/quant/quant-types.dequant.f32", import.meta.url));
    const wantF = new Float32Array(deq.buffer.slice(deq.byteOffset + 5120 * 4, deq.byteOffset + (5120 + 640) * 4));
    expect(dequantizeKvRows(k, kvDim, rows)).toEqual(wantF);
  });

  it("copy-on-write after a fork copies whole q8_0 rows of the shared block", () => {
    const kv = new PagedKvCache(refBackend, { nLayers: 1, nKvHeads: 2, headDim: 32, ctxLen: 8, maxSeqs: 2, blockSize: 4, kvType: "q8_0" });
    const rand = rng(5);
    const x = randomF32(3 * 64, rand);
    const view = kv.prepare(Int32Array.of(0, 0, 0), Int32Array.of(0, 1, 2), 3);
    ref.kvAppend(kv.k[0]!, kv.v[0]!, x, x, 64, view);
    kv.forkSeq(0, 1);
    const w = kv.prepare(Int32Array.of(1), Int32Array.of(3), 1); // writes into the shared block → copied first
    const [b0, b1] = [kv.blockTable(0)[0]!, kv.blockTable(1)[0]!];
    expect(b1).not.toBe(b0);
    expect(w.slots[0]).toBe(b1 * 4 + 3);
    const rows = dequantizeKvRows(kvRowsOf(kv.k[0]!), 64, 8);
    expect([...rows.subarray(b1 * 4 * 64, (b1 * 4 + 3) * 64)]).toEqual([...rows.subarray(b0 * 4 * 64, (b0 * 4 + 3) * 64)]);
  });
});

describe("ref attention over f16 / q8_0 caches equals f32 attention over the dequantized contents", () => {
  const cases = [
    { nHeads: 4, nKvHeads: 2, headDim: 32, softcap: 0, window: 0, blockSize: 4 },
    { nHeads: 6, nKvHeads: 3, headDim: 64, softcap: 0, window: 5, blockSize: 16 },
    { nHeads: 4, nKvHeads: 1, headDim: 32, softcap: 20, window: 0, blockSize: 5 },
  ];
  for (const kvType of ["f16", "q8_0"] as const) {
    it.each(cases)(`${kvType}: heads $nHeads/$nKvHeads × $headDim, softcap $softcap, window $window`, (c) => {
      const rand = rng(c.headDim + c.nHeads * 7);
      const kv = scatteredBatch(rand, c.blockSize);
      const kvDim = c.nKvHeads * c.headDim, qDim = c.nHeads * c.headDim;
      const p: AttentionParams = { nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim, scale: 1 / Math.sqrt(c.headDim), softcap: c.softcap, window: c.window };
      const cache = new PagedKvCache(refBackend, { nLayers: 1, nKvHeads: c.nKvHeads, headDim: c.headDim, ctxLen: kv.nSlots, maxSeqs: 1, blockSize: kv.nSlots, kvType });
      const [k, v]: KvLayer[] = [cache.k[0]!, cache.v[0]!];
      // Fill every slot through kvAppend (the write path under test), then attend.
      ref.kvAppend(k, v, randomF32(kv.nSlots * kvDim, rand, 2), randomF32(kv.nSlots * kvDim, rand), kvDim, linearBatch(kv.nSlots));
      const q = randomF32(kv.nTokens * qDim, rand, 2);
      const got = new Float32Array(kv.nTokens * qDim), want = new Float32Array(kv.nTokens * qDim);
      ref.attention(got, q, k, v, p, kv);
      const [kf, vf] = [k, v].map((layer) => kvLayerOf(dequantizeKvRows(kvRowsOf(layer), kvDim, kv.nSlots), kvDim));
      ref.attention(want, q, kf!, vf!, p, kv);
      expect(got).toEqual(want);
    });
  }
});
