import { nearestInt } from "./c-math.js";
import { readF16, writeF16 } from "./half.js";
import { makeQ3Quants } from "./k-quant-helpers.js";

// ggml-quants.c quantize_row_q3_K_ref (what quantize_q3_K runs without an importance matrix): make_q3_quants per
// 16 values, 6-bit signed scales against the largest-magnitude scale, requantize, then split off the high bit.
const fround = Math.fround;
const L = new Int8Array(256);
const scales = new Float32Array(16);

export function quantizeQ3K(src: Float32Array, dst: Uint8Array, n: number): void {
  for (let b = 0, o = 0; o < n; b += 110, o += 256) {
    let maxScale = 0;
    let amax = 0;
    for (let j = 0; j < 16; j++) {
      scales[j] = makeQ3Quants(16, 4, src, o + 16 * j, L, 16 * j);
      const scale = Math.abs(scales[j]);
      if (scale > amax) {
        amax = scale;
        maxScale = scales[j];
      }
    }
    const sc = b + 96;
    dst.fill(0, sc, sc + 12);
    if (maxScale) {
      const iscale = fround(-32 / maxScale);
      for (let j = 0; j < 16; j++) {
        let l = (nearestInt(fround(iscale * scales[j])) << 24) >> 24;
        l = Math.max(-32, Math.min(31, l)) + 32;
        if (j < 8) dst[sc + j] = l & 0xf;
        else dst[sc + j - 8] |= (l & 0xf) << 4;
        dst[sc + 8 + (j % 4)] |= (l >> 4) << (2 * (j >> 2));
      }
      writeF16(dst, b + 108, fround(1 / iscale));
    } else {
      writeF16(dst, b + 108, 0);
    }
    const dAll = readF16(dst, b + 108);
    for (let j = 0; j < 16; j++) {
      const low = j < 8 ? dst[sc + j] & 0xf : dst[sc + j - 8] >> 4;
      const s = (low | (((dst[sc + 8 + (j % 4)] >> (2 * (j >> 2))) & 3) << 4)) - 32;
      const d = fround(dAll * s);
      if (!d) continue;
      for (let i = 0; i < 16; i++) {
        const l = nearestInt(fround(src[o + 16 * j + i] / d));
        L[16 * j + i] = Math.max(-4, Math.min(3, l)) + 4;
      }
    }
    dst.fill(0, b, b + 32);
    let m = 0;
    let hm = 1;
    for (let j = 0; j < 256; j++) {
      if (L[j] > 3) {
        dst[b + m] |= hm;
        L[j] -= 4;
      }
      if (++m === 32) {
        m = 0;
        hm <<= 1;
      }
    }
    for (let j = 0; j < 256; j += 128) {
      for (let l = 0; l < 32; l++) {
        dst[b + 32 + j / 4 + l] = L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6);
      }
    }
  }
}
