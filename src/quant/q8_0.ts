import { ggmlTypeRow } from "./ggml-type.js";
import { roundf } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// Q8_0, 32 values in 34 bytes (block_q8_0): d: f16 | qs[32]: int8; x = d * q.
const fround = Math.fround;

export const q8_0Traits: QuantTraits = {
  ...ggmlTypeRow("Q8_0"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 34, o += 32) {
      const d = readF16(src, b);
      for (let j = 0; j < 32; j++) dst[o + j] = d * ((src[b + 2 + j] << 24) >> 24);
    }
  },
  // quantize_row_q8_0_ref: d = absmax / 127, q = roundf(x / d).
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 34, o += 32) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[o + j]));
      const d = fround(amax / 127);
      const id = d ? fround(1 / d) : 0;
      writeF16(dst, b, d);
      for (let j = 0; j < 32; j++) dst[b + 2 + j] = roundf(fround(src[o + j] * id)) & 0xff;
    }
  },
};
