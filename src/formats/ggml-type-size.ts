import { GgmlType } from "../quant/ggml-type.js";

/** Block layout of a ggml tensor type: `blockSize` values stored in `bytesPerBlock` bytes (ggml.c type_traits). */
export interface GgmlBlockLayout {
  blockSize: number;
  bytesPerBlock: number;
}

// Sizes from ggml-common.h block structs (e.g. block_q4_K = 2 halves + 12 scale bytes + 128 nibble bytes = 144).
const layouts = new Map<number, GgmlBlockLayout>([
  [GgmlType.F32, { blockSize: 1, bytesPerBlock: 4 }],
  [GgmlType.F16, { blockSize: 1, bytesPerBlock: 2 }],
  [GgmlType.Q4_0, { blockSize: 32, bytesPerBlock: 18 }],
  [GgmlType.Q4_1, { blockSize: 32, bytesPerBlock: 20 }],
  [GgmlType.Q5_0, { blockSize: 32, bytesPerBlock: 22 }],
  [GgmlType.Q5_1, { blockSize: 32, bytesPerBlock: 24 }],
  [GgmlType.Q8_0, { blockSize: 32, bytesPerBlock: 34 }],
  [GgmlType.Q8_1, { blockSize: 32, bytesPerBlock: 36 }],
  [GgmlType.Q2_K, { blockSize: 256, bytesPerBlock: 84 }],
  [GgmlType.Q3_K, { blockSize: 256, bytesPerBlock: 110 }],
  [GgmlType.Q4_K, { blockSize: 256, bytesPerBlock: 144 }],
  [GgmlType.Q5_K, { blockSize: 256, bytesPerBlock: 176 }],
  [GgmlType.Q6_K, { blockSize: 256, bytesPerBlock: 210 }],
  [GgmlType.Q8_K, { blockSize: 256, bytesPerBlock: 292 }],
  [GgmlType.IQ2_XXS, { blockSize: 256, bytesPerBlock: 66 }],
  [GgmlType.IQ2_XS, { blockSize: 256, bytesPerBlock: 74 }],
  [GgmlType.IQ3_XXS, { blockSize: 256, bytesPerBlock: 98 }],
  [GgmlType.IQ1_S, { blockSize: 256, bytesPerBlock: 50 }],
  [GgmlType.IQ4_NL, { blockSize: 32, bytesPerBlock: 18 }],
  [GgmlType.IQ3_S, { blockSize: 256, bytesPerBlock: 110 }],
  [GgmlType.IQ2_S, { blockSize: 256, bytesPerBlock: 82 }],
  [GgmlType.IQ4_XS, { blockSize: 256, bytesPerBlock: 136 }],
  [GgmlType.I8, { blockSize: 1, bytesPerBlock: 1 }],
  [GgmlType.I16, { blockSize: 1, bytesPerBlock: 2 }],
  [GgmlType.I32, { blockSize: 1, bytesPerBlock: 4 }],
  [GgmlType.I64, { blockSize: 1, bytesPerBlock: 8 }],
  [GgmlType.F64, { blockSize: 1, bytesPerBlock: 8 }],
  [GgmlType.IQ1_M, { blockSize: 256, bytesPerBlock: 56 }],
  [GgmlType.BF16, { blockSize: 1, bytesPerBlock: 2 }],
  [GgmlType.TQ1_0, { blockSize: 256, bytesPerBlock: 54 }],
  [GgmlType.TQ2_0, { blockSize: 256, bytesPerBlock: 66 }],
  [GgmlType.MXFP4, { blockSize: 32, bytesPerBlock: 17 }],
]);

/** The block layout of a ggml type id, or undefined for ids no current format uses (e.g. the removed Q4_2). */
export function ggmlBlockLayout(type: number): GgmlBlockLayout | undefined {
  return layouts.get(type);
}

/**
 * Bytes taken by a tensor of `type` and `shape` (ne order, shape[0] contiguous), or a string saying why it has
 * no valid size: unknown type, a row not a multiple of the block size, or a size past 2^53.
 */
export function ggmlTensorSizeBytes(type: number, shape: readonly number[]): number | string {
  const layout = layouts.get(type);
  if (!layout) return `type ${type}, which no known format uses`;
  const rowLength = shape.length > 0 ? shape[0]! : 1;
  if (rowLength % layout.blockSize !== 0) {
    return `row length ${rowLength}, not a multiple of the block size ${layout.blockSize} of its type`;
  }
  let sizeBytes = (rowLength / layout.blockSize) * layout.bytesPerBlock;
  for (let i = 1; i < shape.length; i++) sizeBytes *= shape[i]!;
  if (!Number.isSafeInteger(sizeBytes)) return `shape [${shape.join(", ")}], whose size overflows`;
  return sizeBytes;
}
