import type { GgmlTypeName } from "../quant/ggml-type.js";
import type { KvLayer } from "./kv-layer.js";

export type { KvLayer, KvType } from "./kv-layer.js";

/**
 * A weight matrix [rows, cols] (rows = output features; GGUF's ne = [cols, rows]) held by a backend in its
 * stored type. How it is held (bytes in JS, in WebAssembly memory, on a GPU) is the backend's business.
 */
export interface Weight {
  readonly type: GgmlTypeName;
  readonly rows: number;
  readonly cols: number;
}

/** RoPE pair layout: "normal" rotates (2i, 2i+1) (GGUF/llama.cpp LLAMA_ROPE_TYPE_NORM); "neox" rotates (i, i + nRot/2). */
export type RopeLayout = "normal" | "neox";

/** Activation used by `glu` and the plain activation kernels. gelu = tanh approximation (gelu_new / gelu_pytorch_tanh). */
export type Activation = "silu" | "gelu" | "geluErf";

/**
 * Where each token of a batch reads and writes the paged KV cache (vLLM's slot mapping + block tables).
 * A cache layer is [nSlots, nKvHeads * headDim] values in the cache's KvType (kv-layer.ts) with nSlots = nBlocks * blockSize; slot = block * blockSize +
 * pos % blockSize, where block = blockTables[tokenSeq[t] * maxBlocksPerSeq + floor(pos / blockSize)].
 */
export interface KvBatchView {
  readonly nTokens: number;
  readonly blockSize: number;
  /** [nTokens] position of each token in its own sequence. */
  readonly positions: Int32Array;
  /** [nTokens] the cache slot each token's new K/V row is written to. */
  readonly slots: Int32Array;
  /** [nTokens] which row of blockTables is the token's sequence. */
  readonly tokenSeq: Int32Array;
  /** [nSeqRows, maxBlocksPerSeq] physical block ids, row-major. */
  readonly blockTables: Int32Array;
  readonly maxBlocksPerSeq: number;
}

export interface AttentionParams {
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly headDim: number;
  /** Multiplies q·k before soft-capping (usually 1/sqrt(headDim)). */
  readonly scale: number;
  /** Logit soft-capping: s ← cap · tanh(s / cap); 0 = none (Gemma 2). */
  readonly softcap: number;
  /** Sliding window: a token at pos attends to [pos - window + 1, pos]; 0 = unlimited. */
  readonly window: number;
}

/**
 * The compute interface every backend implements (ref: scalar TypeScript, the oracle; wasm: SIMD + threads;
 * webgpu). Model code calls only these; it never sees byte layouts.
 * All activation buffers (and the KV cache layers, f16/q8_0 ones as views of the same bytes) come from `allocF32`, so a backend can place them where its
 * kernels read them directly (e.g. WebAssembly memory). Row-wise kernels take [nRows, n] row-major buffers.
 * Unless stated, `out` may alias an input.
 */
export interface KernelBackend {
  readonly name: string;
  /** Takes a weight's stored bytes (rows × row size of `type`); the backend may keep a view, not a copy. */
  loadWeight(type: GgmlTypeName, rows: number, cols: number, bytes: Uint8Array): Weight;
  /**
   * Optional: n bytes in the backend's own memory for a loader to fill and hand to `loadWeight`, which then keeps
   * them in place (no second copy).
   */
  allocBytes?(n: number): Uint8Array;
  /** A 1-D tensor (norm weight, bias) of n values dequantized to float32 in backend memory. */
  loadVector(type: GgmlTypeName, n: number, bytes: Uint8Array): Float32Array;
  /** A float32 buffer of n elements owned by the backend (zero-filled). */
  allocF32(n: number): Float32Array;

  /** out[nTokens, w.rows] = x[nTokens, w.cols] · wᵀ. out must not alias x. */
  matmul(out: Float32Array, x: Float32Array, w: Weight, nTokens: number): void;
  /** out[t, :] = row ids[t] of w, dequantized (token embedding lookup). */
  embed(out: Float32Array, w: Weight, ids: Int32Array, nTokens: number): void;

  /** out = x / sqrt(mean(x²) + eps) · (w or 1 + w when addOne); w = null: no weight. Per row of n. */
  rmsNorm(out: Float32Array, x: Float32Array, w: Float32Array | null, nRows: number, n: number, eps: number, addOne: boolean): void;
  /** out = (x - mean) / sqrt(var + eps) · w + b, per row of n. */
  layerNorm(out: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, nRows: number, n: number, eps: number): void;
  /**
   * In place on x [nTokens, nHeads, headDim]: rotate the first nRot dims of every head by angle
   * positions[t] · invFreq[i] (invFreq has nRot/2 entries: the per-dimension frequency table, so Llama-3 scaling or a
   * per-layer base is just another table), then multiply the rotated values' cos/sin by attnFactor (YaRN mscale; 1 = none).
   */
  rope(x: Float32Array, nTokens: number, nHeads: number, headDim: number, nRot: number, positions: Int32Array,
    invFreq: Float32Array, layout: RopeLayout, attnFactor: number): void;
  /** In place, per row of n. */
  softmax(x: Float32Array, nRows: number, n: number): void;

  /** In place activation over n values. */
  activate(x: Float32Array, n: number, act: Activation): void;
  /** Gated unit: out[r, i] = act(gate[r, i]) · up[r, i]; rows of n, gate/up rows read at stride `stride` (fused gate-up). */
  glu(out: Float32Array, gate: Float32Array, up: Float32Array, nRows: number, n: number, stride: number, act: Activation): void;
  /** out = a + b over n values. */
  add(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void;
  /** dst[r, 0..width) = src[r, c0..c0 + width) for nRows rows of srcCols values (one part of a fused projection). */
  copyColumns(dst: Float32Array, src: Float32Array, nRows: number, srcCols: number, c0: number, width: number): void;
  /** x[r, :] += bias for each of nRows rows of n. */
  addRows(x: Float32Array, bias: Float32Array, nRows: number, n: number): void;
  /** x[r, :] *= w for each of nRows rows of n (elementwise per-channel scale). */
  mulRows(x: Float32Array, w: Float32Array, nRows: number, n: number): void;
  /** x *= s over n values. */
  scale(x: Float32Array, n: number, s: number): void;
  /** x ← cap · tanh(x / cap) over n values. */
  softcap(x: Float32Array, n: number, cap: number): void;

  /** Writes the batch's new K and V rows ([nTokens, kvDim]) into the cache layers at kv.slots, converted to their type. */
  kvAppend(kCache: KvLayer, vCache: KvLayer, k: Float32Array, v: Float32Array, kvDim: number, kv: KvBatchView): void;
  /**
   * out[t, h, :] = Σ_j softmax_j(softcap(scale · q[t, h] · K[j, h / (nHeads / nKvHeads)])) · V[j, ...] over the
   * positions j of token t's own sequence in [max(0, pos - window + 1), pos], read through its block table.
   * q, out: [nTokens, nHeads * headDim]. out must not alias q. K and V are read in their stored type (f16 and
   * q8_0 dequantized on the fly).
   */
  attention(out: Float32Array, q: Float32Array, kCache: KvLayer, vCache: KvLayer, p: AttentionParams, kv: KvBatchView): void;
  /**
   * log Σ exp(x[i]) over n values, within 1e-6 of the exact value (a float32 log-softmax's precision); NaN anywhere
   * gives NaN. Optional: sampling computes it in TypeScript (float64) otherwise.
   */
  logSumExp?(x: Float32Array, n: number): number;
  /**
   * The indices of the k largest of x[0..n) into ids[0..k), best first, ties to the lower index: the list of
   * sampling's selectTopK for rows without NaN. Optional: sampling selects in TypeScript otherwise.
   */
  topK?(x: Float32Array, n: number, k: number, ids: Int32Array): void;
  /**
   * Optional, for backends with threads: resolves once they are all up — at start, and again after a kernel failed
   * and the backend replaced them; rejects with BackendFailedError when it cannot.
   */
  whenReady?(): Promise<void>;
  /** Optional: bytes of the backend's own memory in use (weights, KV, scratch), for a server's memory accounting. */
  memoryUsedBytes?(): number;
  /** Optional: bytes the backend can still allocate (one WebAssembly memory holds at most 4 GiB); absent: no own limit. */
  memoryRoomBytes?(): number;
}
