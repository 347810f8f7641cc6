import { expect } from "vitest";
import type { AttentionParams, KvBatchView } from "../../src/kernels/backend.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { rowDecoder } from "../../src/kernels/ref/row-decoder.js";
import { randomF32, randomWeightBytes } from "./conformance-util.js";
import { kvLayerOf, type CpuBackend } from "./host-view.js";

// The random inputs are the shared suite's (conformance-util.ts, bundled for the browser too); this file keeps the
// vitest-side helpers the CPU kernel tests use.
export { randomF32, randomWeightBytes, rng } from "./conformance-util.js";

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
