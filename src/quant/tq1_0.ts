import { GgmlType } from "./ggml-type.js";
import { readF16 } from "./half.js";
import type { QuantTraits } from "./traits.js";

// TQ1_0 (ternary, 1.6875 bpw), 256 values in 54 bytes (block_tq1_0): qs[48] (5 trits per byte, base-3 digits
// stored as a fixed-point fraction of 243) | qh[4] (4 trits per byte) | d: f16. Digit n of byte q is
// ((uint8)(q * 3^n) * 3) >> 8; x = d * (digit - 1). Order: qs[0..32) x 5 digits, qs[32..48) x 5, qh x 4.
const pow3 = [1, 3, 9, 27, 81, 243];

function trit(byte: number, digit: number): number {
  return ((((byte * pow3[digit]) & 0xff) * 3) >> 8) - 1;
}

export const tq1_0Traits: QuantTraits = {
  name: "TQ1_0",
  id: GgmlType.TQ1_0,
  blockSize: 256,
  bytesPerBlock: 54,
  dequantize(src, dst, n) {
    for (let b = 0, o = 0; o < n; b += 54) {
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
