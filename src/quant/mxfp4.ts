import { ggmlTypeRow } from "./ggml-type.js";
import { bitsToF32 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// MXFP4 (OCP microscaling FP4), 32 values in 17 bytes (block_mxfp4): e: u8 E8M0 shared exponent | qs[16]
// (E2M1 codes: value j low nibble, j+16 high nibble). x = kvaluesMxfp4[q] * 2^(e - 128) (the table holds
// doubled E2M1 values, so ggml uses half the E8M0 scale).
const fround = Math.fround;
const kvaluesMxfp4 = new Int8Array([0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12]);

/** ggml-impl.h ggml_e8m0_to_fp32_half: 2^(e - 128) as float32, built from bits (subnormal below e = 2). */
export function e8m0ToF32Half(e: number): number {
  return bitsToF32(e < 2 ? 0x00200000 << e : (e - 1) << 23);
}

/** ggml-quants.c best_index_mxfp4: the first code whose value is nearest to x. */
function bestIndex(x: number, d: number): number {
  let best = 0;
  let bestErr = Math.abs(fround(fround(kvaluesMxfp4[0] * d) - x));
  for (let i = 1; i < 16; i++) {
    const err = Math.abs(fround(fround(kvaluesMxfp4[i] * d) - x));
    if (err < bestErr) {
      best = i;
      bestErr = err;
    }
  }
  return best;
}

export const mxfp4Traits: QuantTraits = {
  ...ggmlTypeRow("MXFP4"),
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 17, o += 32) {
      const d = e8m0ToF32Half(src[b]);
      for (let j = 0; j < 16; j++) {
        dst[o + j] = kvaluesMxfp4[src[b + 1 + j] & 0xf] * d;
        dst[o + j + 16] = kvaluesMxfp4[src[b + 1 + j] >> 4] * d;
      }
    }
  },
  // quantize_row_mxfp4_ref: e = floor(log2f(absmax)) - 2 + 127, then the nearest code per value.
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 17, o += 32) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[o + j]));
      // log2f is float32: round the double log2 to float32 before flooring, as values just below a power of two
      // round up to it there.
      const e = amax > 0 ? (Math.floor(fround(Math.log2(amax))) - 2 + 127) & 0xff : 0;
      const d = e8m0ToF32Half(e);
      dst[b] = e;
      for (let j = 0; j < 16; j++) dst[b + 1 + j] = bestIndex(src[o + j], d) | (bestIndex(src[o + 16 + j], d) << 4);
    }
  },
};
