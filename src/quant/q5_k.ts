import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { minK4, scaleK4 } from "./k-scales.js";
import { quantizeQ5K } from "./q5_k-quantize.js";
import type { QuantTraits } from "./traits.js";

// Q5_K, 256 values in 176 bytes (block_q5_K): d: f16 | dmin: f16 | scales[12] (as Q4_K) | qh[32] (bit `sub` of
// qh[l] is the 5th bit of value 32 * sub + l) | qs[128] (low 4 bits, laid out as Q4_K).
// x = d * scale * q - dmin * min, per 32-value sub-block.
const fround = Math.fround;

export const q5_kTraits: QuantTraits = {
  ...ggmlTypeRow("Q5_K"),
  quantize: quantizeQ5K,
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 176, o += 256) {
      const d = readF16(src, b);
      const min = readF16(src, b + 2);
      for (let sub = 0; sub < 8; sub++) {
        const dl = fround(d * scaleK4(src, b + 4, sub));
        const ml = fround(min * minK4(src, b + 4, sub));
        const q = b + 48 + 32 * (sub >> 1);
        const shift = 4 * (sub & 1);
        for (let l = 0; l < 32; l++) {
          const v = ((src[q + l] >> shift) & 0xf) | (((src[b + 16 + l] >> sub) & 1) << 4);
          dst[o + 32 * sub + l] = fround(dl * v) - ml;
        }
      }
    }
  },
};
