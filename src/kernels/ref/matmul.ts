import type { RowDecoder } from "./row-decoder.js";

/**
 * out[t, r] = Σ_c x[t, c] · W[r, c]. Each weight row is decoded once into `row` and dotted with every token's
 * input, accumulating in float64 (the oracle is more exact than any float32 kernel it judges).
 */
export function refMatmul(out: Float32Array, x: Float32Array, bytes: Uint8Array, decode: RowDecoder,
  rows: number, cols: number, nTokens: number, row: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    decode(bytes, r, cols, row);
    for (let t = 0; t < nTokens; t++) {
      const base = t * cols;
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += x[base + c]! * row[c]!;
      out[t * rows + r] = sum;
    }
  }
}

/** out[t, :] = W[ids[t], :] decoded. */
export function refEmbed(out: Float32Array, bytes: Uint8Array, decode: RowDecoder, rows: number, cols: number,
  ids: Int32Array, nTokens: number, row: Float32Array): void {
  for (let t = 0; t < nTokens; t++) {
    const id = ids[t]!;
    if (id < 0 || id >= rows) throw new RangeError(`embed: token id ${id} outside the vocabulary [0, ${rows})`);
    decode(bytes, id, cols, row);
    for (let c = 0; c < cols; c++) out[t * cols + c] = row[c]!;
  }
}
