import { nearestInt } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import { makeQkx2Quants } from "./k-quant-helpers.js";
import type { MinOut } from "./k-quant-helpers.js";
import { minK4, packScalesK4 } from "./k-scales.js";
import { scaleK4 } from "./k-scales.js";

// The shared body of quantize_row_q4_K_ref and quantize_row_q5_K_ref: per 32 values a make_qkx2_quants fit
// weighted by rms(x) + |x|, 6-bit scales and mins against the block's largest, requantize, pack.
const fround = Math.fround;
const L = new Uint8Array(256);
const Laux = new Uint8Array(32);
const weights = new Float32Array(32);
const mins = new Float32Array(8);
const scales = new Float32Array(8);
const ls = new Uint8Array(8);
const lm = new Uint8Array(8);
const minOut: MinOut = { min: 0 };

export function quantizeQkxK(src: Float32Array, dst: Uint8Array, n: number, bits: 4 | 5): void {
  const nmax = bits === 4 ? 15 : 31;
  const blockBytes = bits === 4 ? 144 : 176;
  const qs = bits === 4 ? 16 : 48;
  for (let b = 0, o = 0; o < n; b += blockBytes, o += 256) {
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = fround(sumX2 + fround(src[o + 32 * j + l] * src[o + 32 * j + l]));
      const avX = fround(Math.sqrt(fround(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = avX + Math.abs(src[o + 32 * j + l]);
      scales[j] =
        bits === 4
          ? makeQkx2Quants(32, 15, src, o + 32 * j, weights, L, 32 * j, minOut, Laux, -1, 0.1, 20, false)
          : makeQkx2Quants(32, 31, src, o + 32 * j, weights, L, 32 * j, minOut, Laux, -0.5, 0.1, 15, false);
      mins[j] = minOut.min;
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    const invScale = maxScale > 0 ? fround(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? fround(63 / maxMin) : 0;
    for (let j = 0; j < 8; j++) {
      ls[j] = Math.min(63, nearestInt(fround(invScale * scales[j])) & 0xff);
      lm[j] = Math.min(63, nearestInt(fround(invMin * mins[j])) & 0xff);
    }
    dst.fill(0, b + 4, b + 16);
    packScalesK4(ls, lm, dst, b + 4);
    writeF16(dst, b, fround(maxScale / 63));
    writeF16(dst, b + 2, fround(maxMin / 63));
    const dAll = readF16(dst, b);
    const mAll = readF16(dst, b + 2);
    for (let j = 0; j < 8; j++) {
      const d = fround(dAll * scaleK4(dst, b + 4, j));
      if (!d) continue;
      const dm = fround(mAll * minK4(dst, b + 4, j));
      for (let i = 0; i < 32; i++) {
        const l = nearestInt(fround(fround(src[o + 32 * j + i] + dm) / d));
        L[32 * j + i] = Math.max(0, Math.min(nmax, l));
      }
    }
    if (bits === 4) {
      for (let j = 0; j < 256; j += 64) {
        for (let l = 0; l < 32; l++) dst[b + qs + j / 2 + l] = L[j + l] | (L[j + l + 32] << 4);
      }
      continue;
    }
    const qh = b + 16;
    dst.fill(0, qh, qh + 32);
    let m1 = 1;
    let m2 = 2;
    for (let j = 0; j < 256; j += 64) {
      for (let l = 0; l < 32; l++) {
        let l1 = L[j + l];
        if (l1 > 15) {
          l1 -= 16;
          dst[qh + l] |= m1;
        }
        let l2 = L[j + l + 32];
        if (l2 > 15) {
          l2 -= 16;
          dst[qh + l] |= m2;
        }
        dst[b + qs + j / 2 + l] = l1 | (l2 << 4);
      }
      m1 <<= 2;
      m2 <<= 2;
    }
  }
}
