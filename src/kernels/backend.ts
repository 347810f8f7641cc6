import type { GgmlTypeName } from "../quant/ggml-type.js";

/**
 * A weight matrix [rows, cols] (rows = output features; GGUF's ne = [cols, rows]) held by a backend in its
 * stored type. How it is held (bytes in JS, in WebAssembly memory, on a GPU) is the backend's business.
 */
export interface Weight {
  readonly type: GgmlTypeName;
  readonly rows: number;
  readonly cols: number;
}

/**
 * The compute interface every backend implements (ref: scalar TypeScript, the oracle; wasm: SIMD + threads;
 * webgpu). Model code calls only these; it never sees byte layouts.
 * Activation buffers come from `allocF32` so a backend can place them where its kernels read them directly.
 * The set of operations beyond matmul is completed by the forward-pass work (norms, rope, attention over the
 * paged KV cache, activations); see the kernels/ref implementation for the full list.
 */
export interface KernelBackend {
  readonly name: string;
  /** Takes a weight's stored bytes (rows × row size of `type`); the backend may keep a view, not a copy. */
  loadWeight(type: GgmlTypeName, rows: number, cols: number, bytes: Uint8Array): Weight;
  /** A float32 buffer of n elements owned by the backend. */
  allocF32(n: number): Float32Array;
  /** out[nTokens, w.rows] = x[nTokens, w.cols] · wᵀ */
  matmul(out: Float32Array, x: Float32Array, w: Weight, nTokens: number): void;
}
