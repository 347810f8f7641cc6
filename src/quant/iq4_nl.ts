import { ggmlTypeRow } from "./ggml-type.js";
import { readF16 } from "./half.js";
import { quantizeIq4Nl } from "./iq4-quantize.js";
import type { QuantTraits } from "./traits.js";

// IQ4_NL, 32 values in 18 bytes (block_iq4_nl): d: f16 | qs[16]: 4-bit indices into the non-linear table
// kvaluesIq4Nl (value j low nibble, j+16 high nibble); x = d * kvalues[q].
export const kvaluesIq4Nl = new Int8Array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]);

export const iq4_nlTraits: QuantTraits = {
  ...ggmlTypeRow("IQ4_NL"),
  quantize: quantizeIq4Nl,
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 18, o += 32) {
      const d = readF16(src, b);
      for (let j = 0; j < 16; j++) {
        const q = src[b + 2 + j];
        dst[o + j] = d * kvaluesIq4Nl[q & 0xf];
        dst[o + j + 16] = d * kvaluesIq4Nl[q >> 4];
      }
    }
  },
};
