import { ggmlTypeRow } from "./ggml-type.js";
import { toUint8 } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// Q5_1, 32 values in 24 bytes (block_q5_1): d: f16 | m: f16 | qh: u32 LE (bit j = 5th bit of value j) |
// qs[16] (low 4 bits: value j low nibble, j+16 high nibble); x = d * q + m.
const fround = Math.fround;

export const q5_1Traits: QuantTraits = {
  ...ggmlTypeRow("Q5_1"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 24, o += 32) {
      const d = readF16(src, b);
      const m = readF16(src, b + 2);
      const qh = (src[b + 4] | (src[b + 5] << 8) | (src[b + 6] << 16) | (src[b + 7] << 24)) >>> 0;
      for (let j = 0; j < 16; j++) {
        const q = src[b + 8 + j];
        dst[o + j] = fround(d * ((q & 0xf) | (((qh >>> j) & 1) << 4))) + m;
        dst[o + j + 16] = fround(d * ((q >> 4) | (((qh >>> (j + 16)) & 1) << 4))) + m;
      }
    }
  },
  // quantize_row_q5_1_ref: d = (max - min) / 31, q = (uint8)((x - min) / d + 0.5).
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 24, o += 32) {
      let min = Infinity;
      let max = -Infinity;
      for (let j = 0; j < 32; j++) {
        const v = src[o + j];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const d = fround(fround(max - min) / 31);
      const id = d ? fround(1 / d) : 0;
      writeF16(dst, b, d);
      writeF16(dst, b + 2, min);
      let qh = 0;
      for (let j = 0; j < 16; j++) {
        const q0 = toUint8(fround(fround(fround(src[o + j] - min) * id) + 0.5));
        const q1 = toUint8(fround(fround(fround(src[o + 16 + j] - min) * id) + 0.5));
        dst[b + 8 + j] = (q0 & 0xf) | ((q1 & 0xf) << 4);
        qh |= ((q0 & 0x10) >> 4) << j;
        qh |= ((q1 & 0x10) >> 4) << (j + 16);
      }
      dst[b + 4] = qh & 0xff;
      dst[b + 5] = (qh >>> 8) & 0xff;
      dst[b + 6] = (qh >>> 16) & 0xff;
      dst[b + 7] = (qh >>> 24) & 0xff;
    }
  },
};
