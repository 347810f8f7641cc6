import { ggmlTypeRow } from "./ggml-type.js";
import { readU32 } from "./le-bytes.js";
import { readF16 } from "./half.js";
import { iq2xxsGrid } from "./iq2_xxs-grid.js";
import { ksignsIq2xs } from "./iq2-signs.js";
import type { QuantTraits } from "./traits.js";

// IQ2_XXS (2.06 bpw), 256 values in 66 bytes (block_iq2_xxs): d: f16 | qs: 8 x (aux0: u32, aux1: u32) per
// 32 values. aux0's 4 bytes index iq2xxsGrid (8 magnitudes each); aux1 holds four 7-bit sign indices
// (ksignsIq2xs) and a 4-bit scale in its top bits: x = d * (0.5 + scale) * 0.25 * grid * sign.
const fround = Math.fround;

export const iq2_xxsTraits: QuantTraits = {
  ...ggmlTypeRow("IQ2_XXS"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 66) {
      const d = readF16(src, b);
      for (let ib = 0; ib < 8; ib++) {
        const at = b + 2 + 8 * ib;
        const aux1 = readU32(src, at + 4);
        const db = fround(fround(d * (0.5 + (aux1 >>> 28))) * 0.25);
        for (let l = 0; l < 4; l++) {
          const grid = 8 * src[at + l];
          const signs = ksignsIq2xs[(aux1 >>> (7 * l)) & 127];
          for (let j = 0; j < 8; j++) {
            const v = fround(db * iq2xxsGrid[grid + j]);
            dst[o++] = signs & (1 << j) ? -v : v;
          }
        }
      }
    }
  },
};
