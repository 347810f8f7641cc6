import { ggmlTypeRow } from "./ggml-type.js";
import { roundf } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// Q8_1, 32 values in 36 bytes (block_q8_1): d: f16 | s: f16 (d * sum of qs) | qs[32]: int8; x = d * q.
// An intermediate type for dot products (activations), never stored in model files.
const fround = Math.fround;

export const q8_1Traits: QuantTraits = {
  ...ggmlTypeRow("Q8_1"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 36, o += 32) {
      const d = readF16(src, b);
      for (let j = 0; j < 32; j++) dst[o + j] = d * ((src[b + 4 + j] << 24) >> 24);
    }
  },
  // quantize_row_q8_1_ref
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 36, o += 32) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[o + j]));
      const d = fround(amax / 127);
      const id = d ? fround(1 / d) : 0;
      writeF16(dst, b, d);
      let sum = 0;
      for (let j = 0; j < 32; j++) {
        const q = roundf(fround(src[o + j] * id));
        dst[b + 4 + j] = q & 0xff;
        sum += q;
      }
      writeF16(dst, b + 2, fround(sum * d));
    }
  },
};
