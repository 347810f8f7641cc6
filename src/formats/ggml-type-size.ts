import { ggmlTypeRowById } from "../quant/ggml-type.js";

/**
 * Bytes taken by a tensor of `type` and `shape` (ne order, shape[0] contiguous), or a string saying why it has
 * no valid size: unknown type, a row not a multiple of the block size, or a size past 2^53.
 */
export function ggmlTensorSizeBytes(type: number, shape: readonly number[]): number | string {
  const layout = ggmlTypeRowById(type);
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
