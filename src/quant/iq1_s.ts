import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { iq1sGrid } from "./iq1_s-grid.js";
import type { QuantTraits } from "./traits.js";

// IQ1_S (1.5625 bpw), 256 values in 50 bytes (block_iq1_s): d: f16 | qs[32] (low 8 bits of 11-bit iq1sGrid
// indices, 8 values in {-1, 0, 1} each) | qh: u16[8], one per 32 values: 4 x 3 high index bits, a 3-bit scale
// in bits 12..14 and the delta's sign in bit 15. x = d * (2 * scale + 1) * (grid +- 0.125).
const fround = Math.fround;
export const iq1Delta = 0.125;

export const iq1_sTraits: QuantTraits = {
  ...ggmlTypeRow("IQ1_S"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 50) {
      const d = readF16(src, b);
      for (let ib = 0; ib < 8; ib++) {
        const qh = src[b + 34 + 2 * ib] | (src[b + 35 + 2 * ib] << 8);
        const dl = fround(d * (2 * ((qh >> 12) & 7) + 1));
        const delta = qh & 0x8000 ? -iq1Delta : iq1Delta;
        for (let l = 0; l < 4; l++) {
          const grid = 8 * (src[b + 2 + 4 * ib + l] | (((qh >> (3 * l)) & 7) << 8));
          for (let j = 0; j < 8; j++) dst[o++] = dl * (iq1sGrid[grid + j] + delta);
        }
      }
    }
  },
};
