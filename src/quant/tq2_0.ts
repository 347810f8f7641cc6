import { ggmlTypeRow } from "./ggml-type.js";
import { roundf } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// TQ2_0 (ternary in 2 bits), 256 values in 66 bytes (block_tq2_0): qs[64] | d: f16. Each 32 bytes hold 128
// values: value 32 * l + m is bits 2l..2l+1 of qs[m]; x = d * (q - 1).
export const tq2_0Traits: QuantTraits = {
  ...ggmlTypeRow("TQ2_0"),
  // quantize_row_tq2_0_ref: d = absmax, q = lroundf(x / d) + 1.
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 66, o += 256) {
      let amax = 0;
      for (let j = 0; j < 256; j++) amax = Math.max(amax, Math.abs(src[o + j]));
      const id = amax ? Math.fround(1 / amax) : 0;
      writeF16(dst, b + 64, amax);
      for (let j = 0; j < 64; j += 32) {
        for (let m = 0; m < 32; m++) {
          let q = 0;
          for (let l = 0; l < 4; l++) q |= ((roundf(Math.fround(src[o + 4 * j + m + 32 * l] * id)) + 1) & 3) << (2 * l);
          dst[b + j + m] = q;
        }
      }
    }
  },
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 66) {
      const d = readF16(src, b + 64);
      for (let j = 0; j < 64; j += 32) {
        for (let l = 0; l < 4; l++) {
          for (let m = 0; m < 32; m++) dst[o++] = (((src[b + j + m] >> (2 * l)) & 3) - 1) * d;
        }
      }
    }
  },
};
