import type { GgmlTypeName } from "../quant/ggml-type.js";
import type { KvType } from "./kv-layer.js";
import type { ExpertRouting, KvLayer, Tensor } from "./tensor.js";

export type { KvType } from "./kv-layer.js";
export type { ExpertRouting, KvLayer, Tensor } from "./tensor.js";

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
 * A cache layer is [nSlots, nKvHeads * headDim] values in its KvType with nSlots = nBlocks * blockSize; slot = block * blockSize +
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

/** One expert layer set of a mixture-of-experts FFN: expert e is gate[e], up[e], down[e]. */
export interface ExpertWeights {
  readonly gate: readonly Weight[];
  readonly up: readonly Weight[];
  readonly down: readonly Weight[];
}

/**
 * The compute interface every backend implements (ref: scalar TypeScript, the oracle; wasm: SIMD + threads;
 * webgpu). Model code calls only these; it never sees byte layouts or activation values.
 * Activations are opaque Tensors the backend allocates; batch metadata (token ids, positions, block tables, logit
 * rows) is small host data in Int32Arrays that the backend reads (or uploads) when the op is recorded.
 * Recording ops is synchronous; a backend may run them at once (CPU) or later (GPU command encoder). Values come
 * back to the host only through the async readF32 / snapshot. Row-wise kernels take [nRows, n] row-major tensors.
 * Unless stated, `out` may alias an input.
 */
export interface KernelBackend {
  readonly name: string;
  /**
   * Optional: the weight types loadWeight takes (matmul and embed run on them); any other type throws
   * UnsupportedWeightTypeError. Absent: every type the quant traits decode.
   */
  readonly weightTypes?: readonly GgmlTypeName[];

  // ---- memory ---------------------------------------------------------------------------------------------------
  /** Takes a weight's stored bytes (rows × row size of `type`); the backend may keep a view, not a copy. */
  loadWeight(type: GgmlTypeName, rows: number, cols: number, bytes: Uint8Array): Weight;
  /**
   * Optional: n bytes in the backend's own memory for a loader to fill and hand to `loadWeight`, which then keeps
   * them in place (no second copy).
   */
  allocBytes?(n: number): Uint8Array;
  /** A 1-D tensor (norm weight, bias) of n values dequantized to float32. */
  loadVector(type: GgmlTypeName, n: number, bytes: Uint8Array): Tensor;
  /** A tensor of n float32 values, zero-filled. */
  allocTensor(n: number): Tensor;
  /** A tensor holding a copy of host values (RoPE frequency tables, test inputs). */
  tensorFrom(values: Float32Array): Tensor;
  /** Values [offset, offset + length) of t as a tensor sharing its storage (a half of a fused projection). */
  view(t: Tensor, offset: number, length: number): Tensor;
  /** Overwrites t[offset, offset + values.length) with host values. */
  write(t: Tensor, values: Float32Array, offset?: number): void;
  /**
   * The first n values of t once the recorded work has run. Resolves with a host array that stays valid until the
   * next op is recorded (a CPU backend may hand out a view of its own memory); copy it to keep it.
   */
  readF32(t: Tensor, n: number): Promise<Float32Array>;
  /** A fresh host copy of the first n values of t as they are at this point of the recorded work (debug hooks). */
  snapshot(t: Tensor, n: number): Promise<Float32Array>;
  /** A K or V cache layer of nSlots rows of kvDim values in `type`, zero-filled. */
  allocKvLayer(type: KvType, nSlots: number, kvDim: number): KvLayer;
  /** Copies cache rows [src, src + nSlots) to [dst, dst + nSlots) of one layer (copy-on-write of a shared block). */
  copyKvSlots(layer: KvLayer, src: number, dst: number, nSlots: number): void;
  /** The layer's stored bytes (rows of kvRowBytes(type, kvDim)), as the CPU backends hold them; for tests and tools. */
  readKvLayer(layer: KvLayer): Promise<Uint8Array>;
  /** Overwrites the layer's stored bytes (the same layout readKvLayer returns). */
  writeKvLayer(layer: KvLayer, bytes: Uint8Array): void;
  /** A routing buffer for up to maxTokens tokens of k experts each (moeRoute's output). */
  allocRouting(maxTokens: number, k: number): ExpertRouting;

  // ---- ops ------------------------------------------------------------------------------------------------------
  /** out[nTokens, w.rows] = x[nTokens, w.cols] · wᵀ. out must not alias x. */
  matmul(out: Tensor, x: Tensor, w: Weight, nTokens: number): void;
  /** out[t, :] = row ids[t] of w, dequantized (token embedding lookup). */
  embed(out: Tensor, w: Weight, ids: Int32Array, nTokens: number): void;

  /** out = x / sqrt(mean(x²) + eps) · (w or 1 + w when addOne); w = null: no weight. Per row of n. */
  rmsNorm(out: Tensor, x: Tensor, w: Tensor | null, nRows: number, n: number, eps: number, addOne: boolean): void;
  /** out = (x - mean) / sqrt(var + eps) · w + b, per row of n. */
  layerNorm(out: Tensor, x: Tensor, w: Tensor, b: Tensor | null, nRows: number, n: number, eps: number): void;
  /**
   * In place on x [nTokens, nHeads, headDim]: rotate the first nRot dims of every head by angle
   * positions[t] · invFreq[i] (invFreq has nRot/2 entries: the per-dimension frequency table, so Llama-3 scaling or a
   * per-layer base is just another table), then multiply the rotated values' cos/sin by attnFactor (YaRN mscale; 1 = none).
   */
  rope(x: Tensor, nTokens: number, nHeads: number, headDim: number, nRot: number, positions: Int32Array,
    invFreq: Tensor, layout: RopeLayout, attnFactor: number): void;
  /** In place, per row of n. */
  softmax(x: Tensor, nRows: number, n: number): void;

  /** In place activation over n values. */
  activate(x: Tensor, n: number, act: Activation): void;
  /** Gated unit: out[r, i] = act(gate[r, i]) · up[r, i]; rows of n, gate/up rows read at stride `stride` (fused gate-up). */
  glu(out: Tensor, gate: Tensor, up: Tensor, nRows: number, n: number, stride: number, act: Activation): void;
  /** out = a + b over n values. */
  add(out: Tensor, a: Tensor, b: Tensor, n: number): void;
  /** dst[0..n) = src[0..n). */
  copy(dst: Tensor, src: Tensor, n: number): void;
  /** dst[r, 0..width) = src[r, c0..c0 + width) for nRows rows of srcCols values (one part of a fused projection). */
  copyColumns(dst: Tensor, src: Tensor, nRows: number, srcCols: number, c0: number, width: number): void;
  /** dst[i, :] = src[rows[i], :] for i < nRows, rows of n values (e.g. the rows that need logits). dst must not alias src. */
  gatherRows(dst: Tensor, src: Tensor, rows: Int32Array, nRows: number, n: number): void;
  /** x[r, :] += bias for each of nRows rows of n. */
  addRows(x: Tensor, bias: Tensor, nRows: number, n: number): void;
  /** x[r, :] *= w for each of nRows rows of n (elementwise per-channel scale). */
  mulRows(x: Tensor, w: Tensor, nRows: number, n: number): void;
  /** x *= s over n values. */
  scale(x: Tensor, n: number, s: number): void;
  /** x ← cap · tanh(x / cap) over n values. */
  softcap(x: Tensor, n: number, cap: number): void;

  /**
   * Mixture-of-experts routing: for each of nTokens rows of probs [nTokens, nExperts], the k largest probabilities
   * (best first, ties to the lower expert id) and their expert ids; the weights are renormalized to sum to 1 when
   * normTopK.
   */
  moeRoute(routing: ExpertRouting, probs: Tensor, nTokens: number, nExperts: number, k: number, normTopK: boolean): void;
  /**
   * Expert matmul (ggml's mul_mat_id): out[t·k + j, :] = x[xRow, :] · experts[expert(t, j)]ᵀ for t < nTokens, j < k,
   * where xRow = t (xPerSlot false: every slot of a token reads its row) or t·k + j (xPerSlot true). out must not
   * alias x. Each expert multiplies the rows routed to it, in token order, as one matmul.
   */
  matmulExperts(out: Tensor, x: Tensor, experts: readonly Weight[], routing: ExpertRouting, nTokens: number, xPerSlot: boolean): void;
  /**
   * out[t, :] = Σ_j weight(t, j) · y[t·k + j, :], summed from 0 in ascending expert id (the weighted scatter-add of
   * the experts' outputs). out must not alias y.
   */
  moeCombine(out: Tensor, y: Tensor, routing: ExpertRouting, nTokens: number, n: number): void;

  /** Writes the batch's new K and V rows ([nTokens, kvDim]) into the cache layers at kv.slots, converted to their type. */
  kvAppend(kCache: KvLayer, vCache: KvLayer, k: Tensor, v: Tensor, kvDim: number, kv: KvBatchView): void;
  /**
   * out[t, h, :] = Σ_j softmax_j(softcap(scale · q[t, h] · K[j, h / (nHeads / nKvHeads)])) · V[j, ...] over the
   * positions j of token t's own sequence in [max(0, pos - window + 1), pos], read through its block table.
   * q, out: [nTokens, nHeads * headDim]. out must not alias q. K and V are read in their stored type (f16 and
   * q8_0 dequantized on the fly).
   */
  attention(out: Tensor, q: Tensor, kCache: KvLayer, vCache: KvLayer, p: AttentionParams, kv: KvBatchView): void;

  // ---- host-side helpers over logits already read back ----------------------------------------------------------
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

  // ---- lifecycle ------------------------------------------------------------------------------------------------
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
