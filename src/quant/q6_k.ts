import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { quantizeQ6K } from "./q6_k-quantize.js";
import type { QuantTraits } from "./traits.js";

// Q6_K, 256 values in 210 bytes (block_q6_K): ql[128] (low 4 bits) | qh[64] (high 2 bits) | scales[16]: int8 |
// d: f16. In each half of 128 values (ql += 64, qh += 32), value l + 32 * k (l < 32, k < 4) takes
// nibble k >> 1 of ql[l + 32 * (k & 1)] and bits 2k..2k+1 of qh[l]; x = d * scale * (q - 32), 16 values per scale.
const fround = Math.fround;

export const q6_kTraits: QuantTraits = {
  ...ggmlTypeRow("Q6_K"),
  quantize: quantizeQ6K,
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 210, o += 256) {
      const d = readF16(src, b + 208);
      for (let half = 0; half < 2; half++) {
        const ql = b + 64 * half;
        const qh = b + 128 + 32 * half;
        for (let k = 0; k < 4; k++) {
          for (let l = 0; l < 32; l++) {
            const low = (src[ql + l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xf;
            const q = (low | (((src[qh + l] >> (2 * k)) & 3) << 4)) - 32;
            const sc = (src[b + 192 + 8 * half + 2 * k + (l >> 4)] << 24) >> 24;
            dst[o + 128 * half + 32 * k + l] = fround(d * sc) * q;
          }
        }
      }
    }
  },
};
