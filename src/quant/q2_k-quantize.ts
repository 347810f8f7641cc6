import { nearestInt } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import { makeQkx2Quants } from "./k-quant-helpers.js";
import type { MinOut } from "./k-quant-helpers.js";

// ggml-quants.c quantize_row_q2_K_ref (what quantize_q2_K runs without an importance matrix): per 16 values a
// make_qkx2_quants fit weighted by |x|, then 4-bit scales and mins against the block's largest, then requantize.
const fround = Math.fround;
const L = new Uint8Array(256);
const Laux = new Uint8Array(16);
const weights = new Float32Array(16);
const mins = new Float32Array(16);
const scales = new Float32Array(16);
const minOut: MinOut = { min: 0 };
const q4scale = 15;

export function quantizeQ2K(src: Float32Array, dst: Uint8Array, n: number): void {
  for (let b = 0, o = 0; o < n; b += 84, o += 256) {
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 16; j++) {
      for (let l = 0; l < 16; l++) weights[l] = Math.abs(src[o + 16 * j + l]);
      scales[j] = makeQkx2Quants(16, 3, src, o + 16 * j, weights, L, 16 * j, minOut, Laux, -0.5, 0.1, 15, true);
      mins[j] = minOut.min;
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    if (maxScale > 0) {
      const iscale = fround(q4scale / maxScale);
      for (let j = 0; j < 16; j++) dst[b + j] = nearestInt(fround(iscale * scales[j])) & 0xff;
      writeF16(dst, b + 80, fround(maxScale / q4scale));
    } else {
      dst.fill(0, b, b + 16);
      writeF16(dst, b + 80, 0);
    }
    if (maxMin > 0) {
      const iscale = fround(q4scale / maxMin);
      for (let j = 0; j < 16; j++) dst[b + j] |= nearestInt(fround(iscale * mins[j])) << 4;
      writeF16(dst, b + 82, fround(maxMin / q4scale));
    } else {
      writeF16(dst, b + 82, 0);
    }
    const dAll = readF16(dst, b + 80);
    const mAll = readF16(dst, b + 82);
    for (let j = 0; j < 16; j++) {
      const d = fround(dAll * (dst[b + j] & 0xf));
      if (!d) continue;
      const dm = fround(mAll * (dst[b + j] >> 4));
      for (let i = 0; i < 16; i++) {
        const l = nearestInt(fround(fround(src[o + 16 * j + i] + dm) / d));
        L[16 * j + i] = Math.max(0, Math.min(3, l));
      }
    }
    for (let j = 0; j < 256; j += 128) {
      for (let l = 0; l < 32; l++) {
        dst[b + 16 + j / 4 + l] = L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6);
      }
    }
  }
}
