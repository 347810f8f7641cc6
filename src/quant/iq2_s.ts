import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { iq2sGrid } from "./iq2_s-grid.js";
import type { QuantTraits } from "./traits.js";

// IQ2_S (2.5625 bpw), 256 values in 82 bytes (block_iq2_s): d: f16 | qs[32] (low 8 bits of 10-bit iq2sGrid
// indices) | signs[32] (one bit per value) | qh[8] (2 high index bits per group of 8) | scales[8] (two 4-bit
// scales per 32 values). x = d * (0.5 + scale) * 0.25 * grid * sign, 16 values per scale.
const fround = Math.fround;

export const iq2_sTraits: QuantTraits = {
  ...ggmlTypeRow("IQ2_S"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 82) {
      const d = readF16(src, b);
      for (let k = 0; k < 16; k++) {
        const scale = (src[b + 74 + (k >> 1)] >> (4 * (k & 1))) & 0xf;
        const db = fround(fround(d * (0.5 + scale)) * 0.25);
        for (let l = 0; l < 2; l++) {
          const g = 2 * k + l;
          const index = src[b + 2 + g] | (((src[b + 66 + (g >> 2)] >> (2 * (g & 3))) & 3) << 8);
          const signs = src[b + 34 + g];
          for (let j = 0; j < 8; j++) {
            const v = fround(db * iq2sGrid[8 * index + j]);
            dst[o++] = signs & (1 << j) ? -v : v;
          }
        }
      }
    }
  },
};
