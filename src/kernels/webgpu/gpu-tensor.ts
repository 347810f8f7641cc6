import type { KvType } from "../kv-layer.js";
import type { GpuBufferLike } from "./gpu-types.js";
import type { GpuWeightType } from "./matmul-wgsl.js";

/** A float32 activation buffer of `length` values in GPU memory. */
export interface GpuTensor {
  readonly buffer: GpuBufferLike;
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

/** One layer's K or V cache on the GPU: nSlots rows of kvDim values in `type`, same bytes as the CPU KvLayer. */
export interface GpuKvLayer {
  readonly type: KvType;
  readonly kvDim: number;
  readonly nSlots: number;
  readonly buffer: GpuBufferLike;
}

/** A KvBatchView uploaded to GPU buffers (int32 each), plus the host copy the dispatch sizes come from. */
export interface GpuKvView {
  readonly nTokens: number;
  readonly blockSize: number;
  readonly maxBlocksPerSeq: number;
  /** Longest attended span (max position + 1) of the batch. */
  readonly maxSpan: number;
  /** All tokens belong to one sequence at consecutive increasing positions (a prefill chunk): flash attention applies. */
  readonly oneRun: boolean;
  readonly positions: GpuBufferLike;
  readonly slots: GpuBufferLike;
  readonly tokenSeq: GpuBufferLike;
  readonly blockTables: GpuBufferLike;
}
