import type { ExpertRouting, KvLayer, Tensor } from "../tensor.js";
import type { KvType } from "../kv-layer.js";
import type { GpuBufferLike } from "./gpu-types.js";
import type { GpuWeightType } from "./matmul-wgsl.js";

/**
 * A float32 activation tensor in GPU memory: `length` values from element `offset` of `buffer` (a view shares its
 * tensor's buffer at another offset; kernels add the offset in their accessors, see wgsl-bindings.ts).
 */
export interface GpuTensor {
  readonly buffer: GpuBufferLike;
  readonly offset: number;
  readonly length: number;
}

/** A weight [rows, cols] held as its raw GGUF bytes (padded to whole u32 words) in a GPU storage buffer. */
export interface GpuWeight {
  readonly type: GpuWeightType;
  readonly rows: number;
  readonly cols: number;
  /** Bytes per row in the stored type. */
  readonly rowBytes: number;
  readonly buffer: GpuBufferLike;
}

/** One layer's K or V cache on the GPU: nSlots rows of kvDim values in `type`, the bytes the CPU backends hold. */
export interface GpuKvLayer {
  readonly type: KvType;
  readonly kvDim: number;
  readonly nSlots: number;
  readonly buffer: GpuBufferLike;
}

/** moeRoute's output on the GPU: [maxTokens, k] expert ids (i32) and weights (f32), in two buffers. */
export interface GpuRouting {
  readonly maxTokens: number;
  readonly k: number;
  readonly ids: GpuBufferLike;
  readonly weights: GpuBufferLike;
}

// The opaque interface types (kernels/tensor.ts) are these records on this backend; the casts stay in this folder.
export const gpuTensor = (t: Tensor): GpuTensor => t as unknown as GpuTensor;
export const asTensor = (t: GpuTensor): Tensor => t as unknown as Tensor;
export const gpuKvLayer = (l: KvLayer): GpuKvLayer => l as unknown as GpuKvLayer;
export const asKvLayer = (l: GpuKvLayer): KvLayer => l as unknown as KvLayer;
export const gpuRouting = (r: ExpertRouting): GpuRouting => r as unknown as GpuRouting;
export const asRouting = (r: GpuRouting): ExpertRouting => r as unknown as ExpertRouting;
