import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { kvaluesIq4Nl } from "./iq4_nl.js";
import { quantizeIq4Xs } from "./iq4-quantize.js";
import type { QuantTraits } from "./traits.js";

// IQ4_XS, 256 values in 136 bytes (block_iq4_xs): d: f16 | scales_h: u16 LE (2 high bits per sub-block) |
// scales_l[4] (4 low bits per sub-block, nibble ib % 2 of byte ib / 2) | qs[128] (16 bytes per 32 values:
// low nibbles first, then high). x = d * (scale - 32) * kvaluesIq4Nl[q].
const fround = Math.fround;

export const iq4_xsTraits: QuantTraits = {
  ...ggmlTypeRow("IQ4_XS"),
  quantize: quantizeIq4Xs,
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 136, o += 256) {
      const d = readF16(src, b);
      const scalesH = src[b + 2] | (src[b + 3] << 8);
      for (let ib = 0; ib < 8; ib++) {
        const ls = ((src[b + 4 + (ib >> 1)] >> (4 * (ib & 1))) & 0xf) | (((scalesH >> (2 * ib)) & 3) << 4);
        const dl = fround(d * (ls - 32));
        const qs = b + 8 + 16 * ib;
        for (let j = 0; j < 16; j++) {
          dst[o + 32 * ib + j] = dl * kvaluesIq4Nl[src[qs + j] & 0xf];
          dst[o + 32 * ib + j + 16] = dl * kvaluesIq4Nl[src[qs + j] >> 4];
        }
      }
    }
  },
};
