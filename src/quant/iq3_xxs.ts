import { ggmlTypeRow } from "./ggml-type.js";
import { readU32 } from "./le-bytes.js";
import { readF16 } from "./half.js";
import { iq3xxsGrid } from "./iq3_xxs-grid.js";
import { ksignsIq2xs } from "./iq2-signs.js";
import type { QuantTraits } from "./traits.js";

// IQ3_XXS (3.06 bpw), 256 values in 98 bytes (block_iq3_xxs): d: f16 | qs[64] (iq3xxsGrid indices, 4
// magnitudes each) | 8 x u32 per 32 values: four 7-bit sign indices (ksignsIq2xs, 8 values each) and a
// 4-bit scale in the top bits. x = d * (0.5 + scale) * 0.5 * grid * sign.
const fround = Math.fround;

export const iq3_xxsTraits: QuantTraits = {
  ...ggmlTypeRow("IQ3_XXS"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 98) {
      const d = readF16(src, b);
      for (let ib = 0; ib < 8; ib++) {
        const aux = readU32(src, b + 66 + 4 * ib);
        const db = fround(fround(d * (0.5 + (aux >>> 28))) * 0.5);
        for (let l = 0; l < 4; l++) {
          const signs = ksignsIq2xs[(aux >>> (7 * l)) & 127];
          for (let j = 0; j < 8; j++) {
            const index = src[b + 2 + 8 * ib + 2 * l + (j >> 2)];
            const v = fround(db * iq3xxsGrid[4 * index + (j & 3)]);
            dst[o++] = signs & (1 << j) ? -v : v;
          }
        }
      }
    }
  },
};
