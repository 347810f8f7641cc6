import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { quantizeQ2K } from "./q2_k-quantize.js";
import type { QuantTraits } from "./traits.js";

// Q2_K, 256 values in 84 bytes (block_q2_K): scales[16] (low nibble: scale, high nibble: min, per 16 values) |
// qs[64] (2-bit quants) | d: f16 | dmin: f16. x = d * scale * q - dmin * min.
// Quants: in each half of 128 values, qs[32 * half + l] holds values l, l+32, l+64, l+96 (shifts 0, 2, 4, 6),
// where l < 32 covers two 16-value sub-blocks.
const fround = Math.fround;

export const q2_kTraits: QuantTraits = {
  ...ggmlTypeRow("Q2_K"),
  quantize: quantizeQ2K,
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 84, o += 256) {
      const d = readF16(src, b + 80);
      const min = readF16(src, b + 82);
      for (let sub = 0; sub < 16; sub++) {
        const sc = src[b + sub];
        const dl = fround(d * (sc & 0xf));
        const ml = fround(min * (sc >> 4));
        const q = b + 16 + 32 * (sub >> 3) + 16 * (sub & 1);
        const shift = 2 * ((sub >> 1) & 3);
        for (let l = 0; l < 16; l++) dst[o + 16 * sub + l] = fround(dl * ((src[q + l] >> shift) & 3)) - ml;
      }
    }
  },
};
