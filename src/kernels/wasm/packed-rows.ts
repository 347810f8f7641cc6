import { GGML_TYPES, type GgmlTypeName } from "../../quant/ggml-type.js";
import type { RowDecoder } from "../ref/row-decoder.js";

/** A packed type's kernel (pool name), its kind code in the kernels, and its block size in bytes. */
export interface PackedQ32 {
  kernel: string;
  kind: number;
  blockBytes: number;
  /** The kernel for a matrix whose quants reach −128 (packQ32 reports it), where `kernel` assumes −127…127. */
  fullRangeKernel?: string;
}

/**
 * The 32-value block types the wasm backend interleaves four rows at a time (assembly/matmul-q32-packed.ts), with
 * their kernel's kind code and block size in bytes (from GGML_TYPES): for each block column of a group of four
 * rows, the four f16 scales, then the four rows' quants. Rows past the last whole group keep ggml's layout.
 */
export const PACKED_Q32: Partial<Record<GgmlTypeName, PackedQ32>> = {
  Q8_0: { kernel: "matmulQ8_0P", kind: 0, blockBytes: GGML_TYPES.Q8_0.bytesPerBlock, fullRangeKernel: "matmulQ8_0PW" },
  Q4_0: { kernel: "matmulQ4_0P", kind: 1, blockBytes: GGML_TYPES.Q4_0.bytesPerBlock },
  IQ4_NL: { kernel: "matmulIQ4_NLP", kind: 5, blockBytes: GGML_TYPES.IQ4_NL.bytesPerBlock },
};

/**
 * A row decoder for a matrix in the interleaved layout: row r is gathered back into ggml's block layout (one row of
 * scratch, reused) and decoded by `decode`, the type's ggml row decoder.
 */
export function packedRowDecoder(decode: RowDecoder, blockBytes: number, rows: number, cols: number): RowDecoder {
  const nb = cols / 32;
  const rowBytes = nb * blockBytes;
  const packedRows = rows & ~3;
  const quantBytes = blockBytes - 2;
  const row = new Uint8Array(rowBytes);
  return (bytes, r, n, dst) => {
    if (r >= packedRows) {
      decode(bytes, r, n, dst);
      return;
    }
    const j = r & 3;
    const group = (r >> 2) * 4 * rowBytes;
    for (let b = 0; b < nb; b++) {
      const col = group + b * 4 * blockBytes, o = b * blockBytes;
      row[o] = bytes[col + 2 * j]!;
      row[o + 1] = bytes[col + 2 * j + 1]!;
      const q = col + 8 + j * quantBytes;
      for (let i = 0; i < quantBytes; i++) row[o + 2 + i] = bytes[q + i]!;
    }
    decode(row, 0, n, dst);
  };
}
