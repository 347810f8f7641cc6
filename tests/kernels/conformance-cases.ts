import { expect } from "vitest";
import type { AttentionParams, KvBatchView } from "../../src/kernels/backend.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { f32ToBf16, f32ToF16 } from "../../src/quant/half.js";
import { quantTraits } from "../../src/quant/registry.js";
import { rowDecoder } from "../../src/kernels/ref/row-decoder.js";
import { mulberry32 } from "../../src/server/bench/mulberry32.js";
import { kvLayerOf, type CpuBackend } from "./host-view.js";

/** Deterministic PRNG (mulberry32) so a failing case can be replayed. */
export const rng = mulberry32;

/** Byte offsets of the f16 scale fields in each block type (ggml-common.h block structs). */
const HALF_FIELDS: Partial<Record<GgmlTypeName, number[]>> = {
  Q8_0: [0], Q4_0: [0], Q4_1: [0, 2], Q5_0: [0], Q5_1: [0, 2], IQ4_NL: [0],
  Q2_K: [80, 82], Q3_K: [108], Q4_K: [0, 2], Q5_K: [0, 2], Q6_K: [208], IQ4_XS: [0],
};

/**
 * A random weight matrix of `type`: float types hold random values; block types hold random bytes (every bit
 * pattern of codes, scales and high bits) with their f16 scale fields set to small finite values.
 */
export function randomWeightBytes(type: GgmlTypeName, rows: number, cols: number, rand: () => number): Uint8Array {
  const n = rows * cols;
  if (type === "F32") return new Uint8Array(Float32Array.from({ length: n }, () => rand() * 2 - 1).buffer);
  if (type === "F16" || type === "BF16") {
    const conv = type === "F16" ? f32ToF16 : f32ToBf16;
    return new Uint8Array(Uint16Array.from({ length: n }, () => conv(rand() * 2 - 1)).buffer);
  }
  const traits = quantTraits(type);
  const nBlocks = n / traits.blockSize;
  const bytes = Uint8Array.from({ length: nBlocks * traits.bytesPerBlock }, () => Math.floor(rand() * 256));
  const view = new DataView(bytes.buffer);
  for (let b = 0; b < nBlocks; b++) {
    for (const off of HALF_FIELDS[type] ?? []) {
      view.setUint16(b * traits.bytesPerBlock + off, f32ToF16((rand() * 2 - 1) * 0.01), true);
    }
  }
  return bytes;
}

export function randomF32(n: number, rand: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

/**
 * Error bound of a product against the float64 oracle on the same (possibly pre-quantized) activations: float32
 * accumulation error, taken as 1e-5 · Σ |w_c x_c|.
 */
export function matmulErrorBound(type: GgmlTypeName, bytes: Uint8Array, rows: number, cols: number,
  x: Float32Array, nTokens: number): Float64Array {
  const decode = rowDecoder(type);
  const row = new Float32Array(cols);
  const bound = new Float64Array(nTokens * rows);
  for (let r = 0; r < rows; r++) {
    decode(bytes, r, cols, row);
    for (let t = 0; t < nTokens; t++) {
      let f = 0;
      for (let c = 0; c < cols; c++) f += Math.abs(row[c]! * x[t * cols + c]!);
      bound[t * rows + r] = 1e-5 * f + 1e-30;
    }
  }
  return bound;
}

/**
 * Fails unless backend.matmul of random weights of `type` [rows, cols] with random activations matches the scalar
 * oracle on the activations the backend's product sees (`quantize`: the 8-bit blocks of quantized types, or none)
 * within matmulErrorBound.
 */
export function expectMatmulConforms(backend: CpuBackend, ref: CpuBackend, type: GgmlTypeName, rows: number, cols: number,
  nTokens: number, rand: () => number, quantize: (x: Float32Array) => Float32Array,
  bytes = randomWeightBytes(type, rows, cols, rand)): void {
  const x = randomF32(nTokens * cols, rand);
  const xq = quantize(x);
  const want = new Float32Array(nTokens * rows);
  ref.matmul(want, xq, ref.loadWeight(type, rows, cols, bytes), nTokens);
  const w = backend.loadWeight(type, rows, cols, bytes);
  const xb = backend.allocTensor(nTokens * cols);
  xb.set(x);
  const got = backend.allocTensor(nTokens * rows);
  backend.matmul(got, xb, w, nTokens);
  const bound = matmulErrorBound(type, bytes, rows, cols, xq, nTokens);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= bound[i]!)) {
      expect.fail(`${type} rows=${rows} cols=${cols} nTokens=${nTokens} [${i}]: got ${got[i]}, want ${want[i]}, |err| ${err} > bound ${bound[i]}`);
    }
  }
}

/**
 * Fails unless backend.attention over random f32 K/V/Q for `kv` matches the scalar oracle (float64 sums, two-pass
 * softmax) within `tol` (float32 online softmax).
 */
export function expectAttentionConforms(backend: CpuBackend, ref: CpuBackend, p: AttentionParams,
  kv: KvBatchView & { nSlots: number }, rand: () => number, tol = 2e-5, qScale = 2): void {
  const kvDim = p.nKvHeads * p.headDim, qDim = p.nHeads * p.headDim;
  const k = randomF32(kv.nSlots * kvDim, rand, 2), v = randomF32(kv.nSlots * kvDim, rand);
  const q = randomF32(kv.nTokens * qDim, rand, qScale);
  const want = new Float32Array(kv.nTokens * qDim);
  ref.attention(want, q, kvLayerOf(k, kvDim), kvLayerOf(v, kvDim), p, kv);
  const [kb, vb] = [backend.allocKvLayer("f32", kv.nSlots, kvDim), backend.allocKvLayer("f32", kv.nSlots, kvDim)];
  backend.writeKvLayer(kb, new Uint8Array(k.buffer, k.byteOffset, k.byteLength));
  backend.writeKvLayer(vb, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  const [qb, got] = [backend.allocTensor(q.length), backend.allocTensor(want.length)];
  qb.set(q);
  backend.attention(got, qb, kb, vb, p, kv);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) {
      expect.fail(`heads ${p.nHeads}/${p.nKvHeads}×${p.headDim} window ${p.window} [${i}]: got ${got[i]}, want ${want[i]}`);
    }
  }
}
