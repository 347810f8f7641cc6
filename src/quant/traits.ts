import type { GgmlTypeRow } from "./ggml-type.js";

/**
 * One row of ggml's type-traits table (ggml.c type_traits): a tensor type's block layout, taken from GGML_TYPES, and
 * its reference conversions. Elements are stored in blocks of `blockSize` values taking `bytesPerBlock` bytes; a row
 * of `n` values (n a multiple of blockSize) takes n / blockSize * bytesPerBlock bytes.
 */
export interface QuantTraits extends GgmlTypeRow {
  /**
   * Reference dequantization of `n` values (a multiple of blockSize) stored in `src` from byte `srcOffset` (default
   * 0) into dst[dstOffset .. dstOffset + n). The offsets let row loops avoid a subarray per row.
   */
  dequantize(src: Uint8Array, dst: Float32Array, n: number, srcOffset?: number, dstOffset?: number): void;
  /** Reference quantization (ggml's quantize_row_*_ref), byte-exact with ggml. Absent for types without one yet. */
  quantize?(src: Float32Array, dst: Uint8Array, n: number): void;
}

export function rowSizeBytes(traits: QuantTraits, n: number): number {
  return (n / traits.blockSize) * traits.bytesPerBlock;
}
