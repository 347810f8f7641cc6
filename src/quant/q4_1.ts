import { ggmlTypeRow } from "./ggml-type.js";
import { toInt8 } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// Q4_1, 32 values in 20 bytes (block_q4_1): d: f16 | m: f16 | qs[16] (value j low nibble, j+16 high nibble);
// x = d * q + m.
const fround = Math.fround;

export const q4_1Traits: QuantTraits = {
  ...ggmlTypeRow("Q4_1"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 20, o += 32) {
      const d = readF16(src, b);
      const m = readF16(src, b + 2);
      for (let j = 0; j < 16; j++) {
        const q = src[b + 4 + j];
        dst[o + j] = fround(d * (q & 0xf)) + m;
        dst[o + j + 16] = fround(d * (q >> 4)) + m;
      }
    }
  },
  // quantize_row_q4_1_ref: d = (max - min) / 15, q = min(15, (int8)((x - min) / d + 0.5)).
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 20, o += 32) {
      let min = Infinity;
      let max = -Infinity;
      for (let j = 0; j < 32; j++) {
        const v = src[o + j];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const d = fround(fround(max - min) / 15);
      const id = d ? fround(1 / d) : 0;
      writeF16(dst, b, d);
      writeF16(dst, b + 2, min);
      for (let j = 0; j < 16; j++) {
        const x0 = fround(fround(src[o + j] - min) * id);
        const x1 = fround(fround(src[o + 16 + j] - min) * id);
        const q0 = Math.min(15, toInt8(fround(x0 + 0.5))) & 0xff;
        const q1 = Math.min(15, toInt8(fround(x1 + 0.5))) & 0xff;
        dst[b + 4 + j] = (q0 | (q1 << 4)) & 0xff;
      }
    }
  },
};
