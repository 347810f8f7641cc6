import { ggmlTypeRow } from "./ggml-type.js";
import { f16ToF32 } from "./half.js";
import { iq1Delta } from "./iq1_s.js";
import { iq1sGrid } from "./iq1_s-grid.js";
import type { QuantTraits } from "./traits.js";

// IQ1_M (1.75 bpw), 256 values in 56 bytes (block_iq1_m): qs[32] (low 8 bits of 11-bit iq1sGrid indices) |
// qh[16] (per index, a nibble: 3 high index bits and the delta's sign in bit 3) | scales: u16[4], holding
// sixteen 3-bit scales (one per 16 values) and, in their top nibbles, the f16 super-block scale d.
// x = d * (2 * scale + 1) * (grid +- 0.125).
const fround = Math.fround;

export const iq1_mTraits: QuantTraits = {
  ...ggmlTypeRow("IQ1_M"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 56) {
      const sc0 = src[b + 48] | (src[b + 49] << 8);
      const sc1 = src[b + 50] | (src[b + 51] << 8);
      const sc2 = src[b + 52] | (src[b + 53] << 8);
      const sc3 = src[b + 54] | (src[b + 55] << 8);
      const d = f16ToF32((sc0 >> 12) | ((sc1 >> 8) & 0xf0) | ((sc2 >> 4) & 0xf00) | (sc3 & 0xf000));
      for (let k = 0; k < 16; k++) {
        const at = b + 48 + 2 * (k >> 2);
        const scale = ((src[at] | (src[at + 1] << 8)) >> (3 * (k & 3))) & 7;
        const dl = fround(d * (2 * scale + 1));
        for (let e = 0; e < 2; e++) {
          const g = 2 * k + e;
          const nibble = (src[b + 32 + (g >> 1)] >> (4 * (g & 1))) & 0xf;
          const grid = 8 * (src[b + g] | ((nibble & 7) << 8));
          const delta = nibble & 8 ? -iq1Delta : iq1Delta;
          for (let j = 0; j < 8; j++) dst[o++] = dl * (iq1sGrid[grid + j] + delta);
        }
      }
    }
  },
};
