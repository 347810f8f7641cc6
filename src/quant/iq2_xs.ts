import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { iq2xsGrid } from "./iq2_xs-grid.js";
import { ksignsIq2xs } from "./iq2-signs.js";
import type { QuantTraits } from "./traits.js";

// IQ2_XS (2.31 bpw), 256 values in 74 bytes (block_iq2_xs): d: f16 | qs: u16[32] (9-bit iq2xsGrid index,
// 7-bit sign index above it) | scales[8] (two 4-bit scales per 32 values, low nibble first).
// x = d * (0.5 + scale) * 0.25 * grid * sign, 16 values per scale.
const fround = Math.fround;

export const iq2_xsTraits: QuantTraits = {
  ...ggmlTypeRow("IQ2_XS"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 74) {
      const d = readF16(src, b);
      for (let k = 0; k < 16; k++) {
        const scale = (src[b + 66 + (k >> 1)] >> (4 * (k & 1))) & 0xf;
        const db = fround(fround(d * (0.5 + scale)) * 0.25);
        for (let l = 0; l < 2; l++) {
          const at = b + 2 + 2 * (2 * k + l);
          const q = src[at] | (src[at + 1] << 8);
          const grid = 8 * (q & 511);
          const signs = ksignsIq2xs[q >> 9];
          for (let j = 0; j < 8; j++) {
            const v = fround(db * iq2xsGrid[grid + j]);
            dst[o++] = signs & (1 << j) ? -v : v;
          }
        }
      }
    }
  },
};
