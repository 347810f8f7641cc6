import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { minK4, scaleK4 } from "./k-scales.js";
import { quantizeQ4K } from "./q4_k-quantize.js";
import type { QuantTraits } from "./traits.js";

// Q4_K, 256 values in 144 bytes (block_q4_K): d: f16 | dmin: f16 | scales[12] (8 six-bit scales and mins,
// see k-scales.ts) | qs[128]: each 64 values use 32 bytes, low nibbles first then high nibbles.
// x = d * scale * q - dmin * min, per 32-value sub-block.
const fround = Math.fround;

export const q4_kTraits: QuantTraits = {
  ...ggmlTypeRow("Q4_K"),
  quantize: quantizeQ4K,
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 144, o += 256) {
      const d = readF16(src, b);
      const min = readF16(src, b + 2);
      for (let sub = 0; sub < 8; sub++) {
        const dl = fround(d * scaleK4(src, b + 4, sub));
        const ml = fround(min * minK4(src, b + 4, sub));
        const q = b + 16 + 32 * (sub >> 1);
        const shift = 4 * (sub & 1);
        for (let l = 0; l < 32; l++) dst[o + 32 * sub + l] = fround(dl * ((src[q + l] >> shift) & 0xf)) - ml;
      }
    }
  },
};
