import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { quantizeQ3K } from "./q3_k-quantize.js";
import type { QuantTraits } from "./traits.js";

// Q3_K, 256 values in 110 bytes (block_q3_K): hmask[32] (3rd bit, inverted: set means +0, clear means -4) |
// qs[64] (low 2 bits, laid out as Q2_K) | scales[12] (16 six-bit scales, offset 32) | d: f16.
// Scale j: low 4 bits from scales[j % 8] (low nibble for j < 8, high for j >= 8), high 2 bits from
// scales[8 + j % 4] >> (2 * (j / 4)). x = d * (scale - 32) * q.
const fround = Math.fround;

/** Unpacks the sixteen 6-bit Q3_K scales (still offset by 32) at byte `at`. */
export function unpackQ3KScale(src: Uint8Array, at: number, j: number): number {
  const low = j < 8 ? src[at + j] & 0xf : src[at + j - 8] >> 4;
  const high = (src[at + 8 + (j & 3)] >> (2 * (j >> 2))) & 3;
  return low | (high << 4);
}

export const q3_kTraits: QuantTraits = {
  ...ggmlTypeRow("Q3_K"),
  quantize: quantizeQ3K,
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 110, o += 256) {
      const d = readF16(src, b + 108);
      for (let sub = 0; sub < 16; sub++) {
        const dl = fround(d * (unpackQ3KScale(src, b + 96, sub) - 32));
        const half = sub >> 3;
        const q = b + 32 + 32 * half + 16 * (sub & 1);
        const hm = b + 16 * (sub & 1);
        const shift = 2 * ((sub >> 1) & 3);
        const mask = 1 << (4 * half + ((sub >> 1) & 3));
        for (let l = 0; l < 16; l++) {
          const v = ((src[q + l] >> shift) & 3) - (src[hm + l] & mask ? 0 : 4);
          dst[o + 16 * sub + l] = dl * v;
        }
      }
    }
  },
};
