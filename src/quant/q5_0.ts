import { ggmlTypeRow } from "./ggml-type.js";
import { toInt8 } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// Q5_0, 32 values in 22 bytes (block_q5_0): d: f16 | qh: u32 LE (bit j = 5th bit of value j) |
// qs[16] (low 4 bits: value j low nibble, j+16 high nibble); x = d * (q - 16).
const fround = Math.fround;

export const q5_0Traits: QuantTraits = {
  ...ggmlTypeRow("Q5_0"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 22, o += 32) {
      const d = readF16(src, b);
      const qh = (src[b + 2] | (src[b + 3] << 8) | (src[b + 4] << 16) | (src[b + 5] << 24)) >>> 0;
      for (let j = 0; j < 16; j++) {
        const q = src[b + 6 + j];
        dst[o + j] = d * (((q & 0xf) | (((qh >>> j) & 1) << 4)) - 16);
        dst[o + j + 16] = d * (((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16);
      }
    }
  },
  // quantize_row_q5_0_ref: d = signed absmax / -16, q = min(31, (int8)(x / d + 16.5)).
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 22, o += 32) {
      let amax = 0;
      let max = 0;
      for (let j = 0; j < 32; j++) {
        const v = src[o + j];
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = fround(max / -16);
      const id = d ? fround(1 / d) : 0;
      writeF16(dst, b, d);
      let qh = 0;
      for (let j = 0; j < 16; j++) {
        const x0 = fround(src[o + j] * id);
        const x1 = fround(src[o + 16 + j] * id);
        const q0 = Math.min(31, toInt8(fround(x0 + 16.5))) & 0xff;
        const q1 = Math.min(31, toInt8(fround(x1 + 16.5))) & 0xff;
        dst[b + 6 + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
        qh |= ((q0 & 0x10) >> 4) << j;
        qh |= ((q1 & 0x10) >> 4) << (j + 16);
      }
      dst[b + 2] = qh & 0xff;
      dst[b + 3] = (qh >>> 8) & 0xff;
      dst[b + 4] = (qh >>> 16) & 0xff;
      dst[b + 5] = (qh >>> 24) & 0xff;
    }
  },
};
