import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { iq3sGrid } from "./iq3_s-grid.js";
import type { QuantTraits } from "./traits.js";

// IQ3_S (3.44 bpw), 256 values in 110 bytes (block_iq3_s): d: f16 | qs[64] (low 8 bits of 9-bit iq3sGrid
// indices, 4 magnitudes each) | qh[8] (the 9th bits) | signs[32] (one bit per value) | scales[4] (a 4-bit
// scale per 32 values, low nibble first). x = d * (1 + 2 * scale) * grid * sign.
const fround = Math.fround;

export const iq3_sTraits: QuantTraits = {
  ...ggmlTypeRow("IQ3_S"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 110) {
      const d = readF16(src, b);
      for (let ib = 0; ib < 8; ib++) {
        const db = fround(d * (1 + 2 * ((src[b + 106 + (ib >> 1)] >> (4 * (ib & 1))) & 0xf)));
        for (let g = 8 * ib; g < 8 * ib + 8; g++) {
          const index = src[b + 2 + g] | (((src[b + 66 + (g >> 3)] >> (g & 7)) & 1) << 8);
          for (let j = 0; j < 4; j++) {
            const value = 4 * g + j;
            const v = fround(db * iq3sGrid[4 * index + j]);
            dst[o++] = src[b + 74 + (value >> 3)] & (1 << (value & 7)) ? -v : v;
          }
        }
      }
    }
  },
};
