import { nearestInt } from "./c-math.js";
import { writeF16 } from "./half.js";
import { groupMaxEps } from "./k-quant-helpers.js";

// ggml-quants.c quantize_row_iq4_nl_impl as quantize_iq4_nl / quantize_iq4_xs call it without an importance
// matrix (ntry = 7, weights x^2): per 32 values, a least-squares scale over 15 trial scales for the non-linear
// IQ4 grid; IQ4_XS then stores 6-bit sub-block scales against one f16 super-block scale.
const fround = Math.fround;
const values = new Int8Array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]);
const ntry = 7;
const L = new Uint8Array(256);
const weight = new Float32Array(32);
const scales = new Float32Array(8);

/** ggml best_index_int8: index of the grid value nearest to x (ties toward the lower index's side as ggml). */
function bestIndex(x: number): number {
  if (x <= values[0]) return 0;
  if (x >= values[15]) return 15;
  let ml = 0;
  let mu = 15;
  while (mu - ml > 1) {
    const mav = (ml + mu) >> 1;
    if (x < values[mav]) mu = mav;
    else ml = mav;
  }
  return fround(x - values[mu - 1]) < fround(values[mu] - x) ? mu - 1 : mu;
}

/** Fits the 32 values at src[xo..] into L[lo..]; returns the sub-block scale (0 for an all-zero group). */
function fitBlock(src: Float32Array, xo: number, lo: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < 32; j++) {
    const v = src[xo + j];
    weight[j] = fround(v * v);
    const ax = Math.abs(v);
    if (ax > amax) {
      amax = ax;
      max = v;
    }
  }
  if (amax < groupMaxEps) return 0;
  let d = fround(-max / values[0]);
  let id = fround(1 / d);
  let sumqx = 0;
  let sumq2 = 0;
  for (let j = 0; j < 32; j++) {
    const v = src[xo + j];
    const l = bestIndex(fround(id * v));
    L[lo + j] = l;
    const q = values[l];
    const w = weight[j];
    sumqx = fround(sumqx + fround(fround(w * q) * v));
    sumq2 = fround(sumq2 + fround(fround(w * q) * q));
  }
  d = sumq2 > 0 ? fround(sumqx / sumq2) : 0;
  let best = fround(d * sumqx);
  for (let itry = -ntry; itry <= ntry; itry++) {
    id = fround((itry + values[0]) / max);
    sumqx = 0;
    sumq2 = 0;
    for (let j = 0; j < 32; j++) {
      const v = src[xo + j];
      const q = values[bestIndex(fround(id * v))];
      const w = weight[j];
      sumqx = fround(sumqx + fround(fround(w * q) * v));
      sumq2 = fround(sumq2 + fround(fround(w * q) * q));
    }
    if (sumq2 > 0 && fround(sumqx * sumqx) > fround(best * sumq2)) {
      d = fround(sumqx / sumq2);
      best = fround(d * sumqx);
    }
  }
  return d;
}

function packNibbles(dst: Uint8Array, at: number, count: number): void {
  for (let i = 0; i < count / 32; i++) {
    for (let j = 0; j < 16; j++) dst[at + 16 * i + j] = L[32 * i + j] | (L[32 * i + 16 + j] << 4);
  }
}

export function quantizeIq4Nl(src: Float32Array, dst: Uint8Array, n: number): void {
  for (let b = 0, o = 0; o < n; b += 18, o += 32) {
    const scale = fitBlock(src, o, 0);
    writeF16(dst, b, scale);
    const id = scale ? fround(1 / scale) : 0;
    for (let j = 0; j < 32; j++) L[j] = bestIndex(fround(id * src[o + j]));
    packNibbles(dst, b + 2, 32);
  }
}

export function quantizeIq4Xs(src: Float32Array, dst: Uint8Array, n: number): void {
  for (let b = 0, o = 0; o < n; b += 136, o += 256) {
    let maxScale = 0;
    let amaxScale = 0;
    for (let ib = 0; ib < 8; ib++) {
      const d = fitBlock(src, o + 32 * ib, 32 * ib);
      scales[ib] = d;
      if (Math.abs(d) > amaxScale) {
        amaxScale = Math.abs(d);
        maxScale = d;
      }
    }
    const d = fround(-maxScale / 32);
    writeF16(dst, b, d);
    const id = d ? fround(1 / d) : 0;
    let scalesH = 0;
    dst.fill(0, b + 4, b + 8);
    for (let ib = 0; ib < 8; ib++) {
      let l = nearestInt(fround(id * scales[ib]));
      l = Math.max(-32, Math.min(31, l));
      const dl = fround(d * l);
      const idl = dl ? fround(1 / dl) : 0;
      for (let j = 0; j < 32; j++) L[32 * ib + j] = bestIndex(fround(idl * src[o + 32 * ib + j]));
      l += 32;
      dst[b + 4 + (ib >> 1)] |= (l & 0xf) << (4 * (ib & 1));
      scalesH |= (l >> 4) << (2 * ib);
    }
    dst[b + 2] = scalesH & 0xff;
    dst[b + 3] = scalesH >> 8;
    packNibbles(dst, b + 8, 256);
  }
}
