import { ggmlTypeRow } from "./ggml-type.js";
import { toInt8 } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// Q4_0, 32 values in 18 bytes (ggml-common.h block_q4_0):
//   d: f16 scale | qs[16]: value j in the low nibble of qs[j], value j+16 in the high nibble; x = d * (q - 8).
const fround = Math.fround;

export const q4_0Traits: QuantTraits = {
  ...ggmlTypeRow("Q4_0"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 18, o += 32) {
      const d = readF16(src, b);
      for (let j = 0; j < 16; j++) {
        const q = src[b + 2 + j];
        dst[o + j] = d * ((q & 0xf) - 8);
        dst[o + j + 16] = d * ((q >> 4) - 8);
      }
    }
  },
  // quantize_row_q4_0_ref: d = signed absmax / -8, q = min(15, (int8)(x / d + 8.5)).
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 18, o += 32) {
      let amax = 0;
      let max = 0;
      for (let j = 0; j < 32; j++) {
        const v = src[o + j];
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = fround(max / -8);
      const id = d ? fround(1 / d) : 0;
      writeF16(dst, b, d);
      for (let j = 0; j < 16; j++) {
        const x0 = fround(src[o + j] * id);
        const x1 = fround(src[o + 16 + j] * id);
        const q0 = Math.min(15, toInt8(fround(x0 + 8.5))) & 0xff;
        const q1 = Math.min(15, toInt8(fround(x1 + 8.5))) & 0xff;
        dst[b + 2 + j] = (q0 | (q1 << 4)) & 0xff;
      }
    }
  },
};
