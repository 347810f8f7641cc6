import type { GgmlTypeName } from "../quant/ggml-type.js";

/** A stored tensor as the weight loader sees it: GGUF name, stored type and GGUF ne-order shape. */
export interface SourceTensor {
  readonly name: string;
  readonly type: GgmlTypeName;
  /** ne order: shape[0] is the contiguous (column) dimension. */
  readonly shape: readonly number[];
}

/**
 * Tensors under their GGUF names, whatever file they come from (a GGUF directly; an HF directory through its
 * arch's name mapping). `bytes` returns the stored bytes in GGUF layout (row-major [rows, cols] for ne [cols, rows]).
 */
export interface TensorSource {
  readonly path: string;
  get(name: string): SourceTensor | undefined;
  bytes(tensor: SourceTensor): Uint8Array;
}
