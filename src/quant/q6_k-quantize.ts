import { nearestInt } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import { groupMaxEps, makeQxQuants } from "./k-quant-helpers.js";

// ggml-quants.c quantize_row_q6_K_ref (what quantize_q6_K runs without an importance matrix): make_qx_quants
// (rmse_type 1) per 16 values, 8-bit signed scales against the largest-magnitude scale, requantize, pack.
const fround = Math.fround;
const L = new Uint8Array(256);
const scales = new Float32Array(16);

export function quantizeQ6K(src: Float32Array, dst: Uint8Array, n: number): void {
  for (let b = 0, o = 0; o < n; b += 210, o += 256) {
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      const scale = makeQxQuants(16, 32, src, o + 16 * ib, L, 16 * ib, 1);
      scales[ib] = scale;
      const absScale = Math.abs(scale);
      if (absScale > maxAbsScale) {
        maxAbsScale = absScale;
        maxScale = scale;
      }
    }
    if (maxAbsScale < groupMaxEps) {
      dst.fill(0, b, b + 210);
      continue;
    }
    const iscale = fround(-128 / maxScale);
    writeF16(dst, b + 208, fround(1 / iscale));
    for (let ib = 0; ib < 16; ib++) dst[b + 192 + ib] = Math.min(127, nearestInt(fround(iscale * scales[ib]))) & 0xff;
    const dAll = readF16(dst, b + 208);
    for (let j = 0; j < 16; j++) {
      const d = fround(dAll * ((dst[b + 192 + j] << 24) >> 24));
      if (!d) continue;
      for (let i = 0; i < 16; i++) {
        const l = nearestInt(fround(src[o + 16 * j + i] / d));
        L[16 * j + i] = Math.max(-32, Math.min(31, l)) + 32;
      }
    }
    for (let j = 0; j < 256; j += 128) {
      const ql = b + j / 2;
      const qh = b + 128 + j / 4;
      for (let l = 0; l < 32; l++) {
        const q1 = L[j + l] & 0xf;
        const q2 = L[j + l + 32] & 0xf;
        const q3 = L[j + l + 64] & 0xf;
        const q4 = L[j + l + 96] & 0xf;
        dst[ql + l] = q1 | (q3 << 4);
        dst[ql + l + 32] = q2 | (q4 << 4);
        dst[qh + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
      }
    }
  }
}
