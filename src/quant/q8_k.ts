import { ggmlTypeRow } from "./ggml-type.js";
import { readF32 } from "./le-bytes.js";
import { nearestInt } from "./c-math.js";
import type { QuantTraits } from "./traits.js";

// Q8_K, 256 values in 292 bytes (block_q8_K): d: f32 | qs[256]: int8 | bsums[16]: int16 (sum of each 16 quants).
// The intermediate type for K-quant dot products (activations); x = d * q.
const fround = Math.fround;

export const q8_kTraits: QuantTraits = {
  ...ggmlTypeRow("Q8_K"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 292, o += 256) {
      const d = readF32(src, b);
      for (let j = 0; j < 256; j++) dst[o + j] = d * ((src[b + 4 + j] << 24) >> 24);
    }
  },
  // quantize_row_q8_K_ref: iscale = -127 / signed absmax, q = min(127, nearest_int(iscale * x)), d = 1 / iscale.
  quantize(src, dst, n) {
    const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
    for (let b = 0, o = 0; o < n; b += 292, o += 256) {
      let max = 0;
      let amax = 0;
      for (let j = 0; j < 256; j++) {
        const ax = Math.abs(src[o + j]);
        if (ax > amax) {
          amax = ax;
          max = src[o + j];
        }
      }
      if (!amax) {
        view.setFloat32(b, 0, true);
        for (let j = 4; j < 292; j++) dst[b + j] = 0;
        continue;
      }
      const iscale = fround(-127 / max);
      for (let j = 0; j < 256; j++) {
        const v = nearestInt(fround(iscale * src[o + j]));
        view.setInt8(b + 4 + j, Math.min(127, v));
      }
      for (let j = 0; j < 16; j++) {
        let sum = 0;
        for (let i = 0; i < 16; i++) sum += view.getInt8(b + 4 + 16 * j + i);
        view.setInt16(b + 260 + 2 * j, sum, true);
      }
      view.setFloat32(b, fround(1 / iscale), true);
    }
  },
};
