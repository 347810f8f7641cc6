import { ggmlTypeRow } from "./ggml-type.js";
import { roundf } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// TQ1_0 (ternary, 1.6875 bpw), 256 values in 54 bytes (block_tq1_0): qs[48] (5 trits per byte, base-3 digits
// stored as a fixed-point fraction of 243) | qh[4] (4 trits per byte) | d: f16. Digit n of byte q is
// ((uint8)(q * 3^n) * 3) >> 8; x = d * (digit - 1). Order: qs[0..32) x 5 digits, qs[32..48) x 5, qh x 4.
const pow3 = [1, 3, 9, 27, 81, 243];

/** Five trits (most significant first) as ceil(value * 256 / 243), the fixed-point base-3 fraction. */
function packTrits(t0: number, t1: number, t2: number, t3: number, t4: number): number {
  const q = ((((t0 * 3 + t1) * 3 + t2) * 3 + t3) * 3 + t4) & 0xff;
  return Math.trunc((q * 256 + 242) / 243) & 0xff;
}

function trit(byte: number, digit: number): number {
  return ((((byte * pow3[digit]) & 0xff) * 3) >> 8) - 1;
}

export const tq1_0Traits: QuantTraits = {
  ...ggmlTypeRow("TQ1_0"),
  // quantize_row_tq1_0_ref: d = absmax; each trit is lroundf(x / d) + 1, five packed per byte as a base-3
  // fraction rounded up to 8 bits (ceil(q * 256 / 243)); qh holds four trits shifted to the top digits.
  quantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 54, o += 256) {
      let amax = 0;
      for (let j = 0; j < 256; j++) amax = Math.max(amax, Math.abs(src[o + j]));
      const id = amax ? Math.fround(1 / amax) : 0;
      writeF16(dst, b + 52, amax);
      const trit = (i: number): number => roundf(Math.fround(src[i] * id)) + 1;
      let x = o;
      for (let m = 0; m < 32; m++) dst[b + m] = packTrits(trit(x + m), trit(x + m + 32), trit(x + m + 64), trit(x + m + 96), trit(x + m + 128));
      x += 160;
      for (let m = 0; m < 16; m++) dst[b + 32 + m] = packTrits(trit(x + m), trit(x + m + 16), trit(x + m + 32), trit(x + m + 48), trit(x + m + 64));
      x += 80;
      for (let j = 0; j < 4; j++) dst[b + 48 + j] = packTrits(trit(x + j), trit(x + j + 4), trit(x + j + 8), trit(x + j + 12), 0);
    }
  },
  dequantize(src, dst, n, srcOffset = 0, dstOffset = 0) {
    for (let b = srcOffset, o = dstOffset; o < dstOffset + n; b += 54) {
      const d = readF16(src, b + 52);
      for (let digit = 0; digit < 5; digit++) {
        for (let m = 0; m < 32; m++) dst[o++] = trit(src[b + m], digit) * d;
      }
      for (let digit = 0; digit < 5; digit++) {
        for (let m = 32; m < 48; m++) dst[o++] = trit(src[b + m], digit) * d;
      }
      for (let digit = 0; digit < 4; digit++) {
        for (let j = 0; j < 4; j++) dst[o++] = trit(src[b + 48 + j], digit) * d;
      }
    }
  },
};
