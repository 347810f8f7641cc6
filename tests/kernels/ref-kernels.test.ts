import { describe, expect, it } from "vitest";
import type { KvBatchView } from "../../src/kernels/backend.js";
import { createRefBackend, erf } from "../../src/kernels/ref/index.js";
import { hostView, kvLayerOf } from "./host-view.js";

// Expected values are computed by hand (closed forms written next to them), not by the code under test.
const ref = hostView(createRefBackend());

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}
function u16Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(values).buffer);
}
function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  expect(actual.length).toBeGreaterThanOrEqual(expected.length);
  expected.forEach((e, i) => expect(Math.abs(actual[i]! - e)).toBeLessThan(tol));
}

describe("ref matmul and embed", () => {
  it("F32: out = x · Wᵀ", () => {
    const w = ref.loadWeight("F32", 3, 2, f32Bytes([1, 0, 0, 1, 1, 1]));
    const out = new Float32Array(6);
    ref.matmul(out, new Float32Array([1, 2, -1, 5]), w, 2);
    close(out, [1, 2, 3, -1, 5, 4]);
  });
  it("F16 and BF16 rows decode (1.0, -2.0, 0.5, a subnormal)", () => {
    // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, 0x0001 = 2^-24. BF16: 1.0 = 0x3f80, -2.0 = 0xc000, 0.5 = 0x3f00.
    const w16 = ref.loadWeight("F16", 2, 2, u16Bytes([0x3c00, 0xc000, 0x3800, 0x0001]));
    const out = new Float32Array(2);
    ref.matmul(out, new Float32Array([3, 1]), w16, 1);
    close(out, [1, 1.5], 1e-6);
    ref.matmul(out, new Float32Array([0, 1]), w16, 1);
    close(out, [-2, 2 ** -24], 1e-12);
    const wb = ref.loadWeight("BF16", 1, 3, u16Bytes([0x3f80, 0xc000, 0x3f00]));
    ref.matmul(out, new Float32Array([1, 1, 4]), wb, 1);
    close(out, [1]);
    const emb = new Float32Array(6);
    ref.embed(emb, wb, new Int32Array([0, 0]), 2);
    close(emb, [1, -2, 0.5, 1, -2, 0.5]);
  });
  it("Q8_0 rows decode through the quant registry (d = 0.5, q = [2, -4, 0…])", () => {
    // ggml block_q8_0: f16 scale then 32 int8 quants; value = d · q.
    const block = new Uint8Array(34);
    block[0] = 0x00; // 0x3800 = 0.5 in f16, little-endian
    block[1] = 0x38;
    block[2] = 2;
    block[3] = 0xfc; // -4 as int8
    const w = ref.loadWeight("Q8_0", 1, 32, block);
    const x = new Float32Array(32);
    x[0] = 3;
    x[1] = 1;
    const out = new Float32Array(1);
    ref.matmul(out, x, w, 1);
    close(out, [3 * 1 + 1 * -2]);
  });
  it("rejects weight bytes that do not hold rows × cols of the type", () => {
    expect(() => ref.loadWeight("F16", 2, 2, new Uint8Array(6))).toThrow(/needs 8 bytes/);
    expect(() => ref.loadWeight("Q8_0", 1, 16, new Uint8Array(34))).toThrow(/whole blocks of 32/);
  });
  it("rejects a token id outside the vocabulary", () => {
    const w = ref.loadWeight("F32", 2, 1, f32Bytes([1, 2]));
    expect(() => ref.embed(new Float32Array(1), w, new Int32Array([2]), 1)).toThrow(/token id 2/);
  });
});

describe("ref norms and softmax", () => {
  it("rmsNorm: [3, 4] / sqrt(12.5), with weight and (1 + w)", () => {
    const x = new Float32Array([3, 4]);
    const out = new Float32Array(2);
    ref.rmsNorm(out, x, null, 1, 2, 0, false);
    close(out, [3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)]);
    ref.rmsNorm(out, x, new Float32Array([2, 1]), 1, 2, 0, false);
    close(out, [6 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)]);
    ref.rmsNorm(out, x, new Float32Array([1, 0]), 1, 2, 0, true);
    close(out, [6 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)]);
    ref.rmsNorm(out, new Float32Array([0, 0]), null, 1, 2, 1e-5, false);
    close(out, [0, 0]);
  });
  it("layerNorm: [1, 2, 3] → ±sqrt(3/2), scaled and shifted", () => {
    const out = new Float32Array(3);
    ref.layerNorm(out, new Float32Array([1, 2, 3]), new Float32Array([1, 2, 1]), new Float32Array([0, 1, -1]), 1, 3, 0);
    close(out, [-Math.sqrt(1.5), 1, Math.sqrt(1.5) - 1]);
  });
  it("softmax: [0, ln 3] → [1/4, 3/4], stable for large values", () => {
    const x = new Float32Array([0, Math.log(3), 1000, 1000 + Math.log(3)]);
    const d = Math.fround(1000 + Math.log(3)) - 1000; // what float32 kept of ln 3 next to 1000
    ref.softmax(x, 2, 2);
    close(x, [0.25, 0.75, 1 / (1 + Math.exp(d)), Math.exp(d) / (1 + Math.exp(d))]);
  });
});

describe("ref rope", () => {
  it("normal layout rotates pairs (2i, 2i+1)", () => {
    const x = new Float32Array([1, 0, 0, 1]);
    ref.rope(x, 1, 1, 4, 4, new Int32Array([1]), new Float32Array([1, 0.5]), "normal", 1);
    close(x, [Math.cos(1), Math.sin(1), -Math.sin(0.5), Math.cos(0.5)]);
  });
  it("neox layout rotates pairs (i, i + nRot/2)", () => {
    const x = new Float32Array([1, 0, 0, 1]);
    ref.rope(x, 1, 1, 4, 4, new Int32Array([2]), new Float32Array([1, 0.5]), "neox", 1);
    // pair (0, 2): (1, 0) by angle 2; pair (1, 3): (0, 1) by angle 1.
    close(x, [Math.cos(2), -Math.sin(1), Math.sin(2), Math.cos(1)]);
  });
  it("partial rotary leaves dims ≥ nRot alone; position 0 is the identity; attnFactor scales", () => {
    const x = new Float32Array([1, 2, 3, 4, 1, 2, 3, 4]);
    ref.rope(x, 2, 1, 4, 2, new Int32Array([0, 3]), new Float32Array([1]), "neox", 1);
    close(x, [1, 2, 3, 4, Math.cos(3) - 2 * Math.sin(3), Math.sin(3) + 2 * Math.cos(3), 3, 4]);
    const y = new Float32Array([1, 0]);
    ref.rope(y, 1, 1, 2, 2, new Int32Array([0]), new Float32Array([1]), "normal", 2);
    close(y, [2, 0]);
  });
});

describe("ref activations and elementwise", () => {
  it("silu, gelu (tanh) and gelu (erf) at 1 and -2", () => {
    const x = new Float32Array([1, -2]);
    ref.activate(x, 2, "silu");
    close(x, [1 / (1 + Math.exp(-1)), -2 / (1 + Math.exp(2))]);
    const g = new Float32Array([1]);
    ref.activate(g, 1, "gelu");
    close(g, [0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715))]);
    const e = new Float32Array([1, -2]);
    ref.activate(e, 2, "geluErf");
    close(e, [0.8413447460685429, -0.04550026389635842]); // Φ(1) and -2·Φ(-2) from standard normal tables
  });
  it("erf matches tabulated values", () => {
    close([erf(0.5), erf(1), erf(2), erf(3), erf(-4)], [0.5204998778130465, 0.8427007929497149, 0.9953222650189527,
      0.9999779095030014, -0.9999999845827421], 1e-12);
  });
  it("glu with a fused gate-up stride", () => {
    const fused = new Float32Array([1, -2, 10, 20, 0, 0, 3, 4]); // rows: gate(2) then up(2), stride 4
    const out = new Float32Array(4);
    ref.glu(out, fused, fused.subarray(2), 2, 2, 4, "silu");
    close(out, [10 / (1 + Math.exp(-1)), 20 * (-2 / (1 + Math.exp(2))), 0, 0]);
  });
  it("add, addRows, mulRows, scale, softcap", () => {
    const a = new Float32Array([1, 2, 3, 4]);
    const out = new Float32Array(4);
    ref.add(out, a, new Float32Array([1, 1, 1, 1]), 4);
    close(out, [2, 3, 4, 5]);
    ref.addRows(out, new Float32Array([10, 20]), 2, 2);
    close(out, [12, 23, 14, 25]);
    ref.mulRows(out, new Float32Array([0, 2]), 2, 2);
    close(out, [0, 46, 0, 50]);
    ref.scale(out, 4, 0.5);
    close(out, [0, 23, 0, 25]);
    const s = new Float32Array([60, -15]);
    ref.softcap(s, 2, 30);
    close(s, [30 * Math.tanh(2), 30 * Math.tanh(-0.5)], 1e-5);
  });
});

describe("ref paged attention", () => {
  // One sequence, block size 1, its positions 0 and 1 in physical blocks 3 and 1.
  const view = (positions: number[], tokenSeq: number[], blockTables: number[], maxBlocks: number, blockSize = 1,
    slots: number[] = []): KvBatchView => ({
    nTokens: positions.length, blockSize, positions: new Int32Array(positions), slots: new Int32Array(slots),
    tokenSeq: new Int32Array(tokenSeq), blockTables: new Int32Array(blockTables), maxBlocksPerSeq: maxBlocks,
  });
  const kRows = new Float32Array(8), vRows = new Float32Array(8);
  const kCache = kvLayerOf(kRows, 2), vCache = kvLayerOf(vRows, 2);
  ref.kvAppend(kCache, vCache, new Float32Array([1, 0, 0, 1]), new Float32Array([1, 2, 3, 4]), 2,
    view([0, 1], [0, 0], [3, 1], 2, 1, [3, 1]));

  it("kvAppend writes rows at their slots", () => {
    close(kRows, [0, 0, 0, 1, 0, 0, 1, 0]);
    close(vRows, [0, 0, 3, 4, 0, 0, 1, 2]);
  });
  it("causal softmax over the block table: scores [ln 2, 0] → weights [2/3, 1/3]", () => {
    const out = new Float32Array(4);
    const q = new Float32Array([5, 5, Math.log(2), 0]);
    const p = { nHeads: 1, nKvHeads: 1, headDim: 2, scale: 1, softcap: 0, window: 0 };
    ref.attention(out, q, kCache, vCache, p, view([0, 1], [0, 0], [3, 1], 2));
    close(out, [1, 2, 5 / 3, 8 / 3], 1e-6); // position 0 sees only itself
  });
  it("sliding window 1 sees only the current position; GQA shares the KV head; softcap bends scores", () => {
    const out = new Float32Array(4);
    const q = new Float32Array([Math.log(2), 0, Math.log(2), 0]);
    ref.attention(out, q, kCache, vCache, { nHeads: 2, nKvHeads: 1, headDim: 2, scale: 1, softcap: 0, window: 1 },
      view([1], [0], [3, 1], 2));
    close(out, [3, 4, 3, 4]);
    const q2 = new Float32Array([4, 0]);
    ref.attention(out, q2, kCache, vCache, { nHeads: 1, nKvHeads: 1, headDim: 2, scale: 0.5, softcap: 1, window: 0 },
      view([1], [0], [3, 1], 2));
    const w0 = Math.exp(Math.tanh(2)) / (Math.exp(Math.tanh(2)) + 1); // scores: tanh(0.5·4) vs tanh(0)
    close(out, [w0 * 1 + (1 - w0) * 3, w0 * 2 + (1 - w0) * 4], 1e-6);
  });
  it("tokens of different sequences read their own block tables", () => {
    const out = new Float32Array(4);
    // seq row 0 → blocks [3], seq row 1 → blocks [1]; both at position 0.
    ref.attention(out, new Float32Array([1, 1, 1, 1]), kCache, vCache,
      { nHeads: 1, nKvHeads: 1, headDim: 2, scale: 1, softcap: 0, window: 0 }, view([0, 0], [0, 1], [3, 1], 1));
    close(out, [1, 2, 3, 4]);
  });
});
