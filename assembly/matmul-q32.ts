import { hsum, loadF16 } from "./f16";
import { hadd, madd } from "./int-dot";
import {
  KIND_IQ4_NL, KIND_Q4_0, KIND_Q4_1, KIND_Q5_0, KIND_Q5_1, KIND_Q8_0, blockBytes, blockDot, halves4, hasMin, isSigned,
  minOf4, quantsOffset, weightHi, weightLo, weightMin,
} from "./q32-blocks";

// Products of weights in the 32-value block types with Q8 activations (see quantize-act.ts).
// out[t, r] for rows r in [r0, r1) and all tokens t: Σ_blocks (dw·dx·Σ wq·xq + mw·dx·Σ xq).
// Types whose values are unsigned codes plus an offset (Q4_0 = 8 below its nibble, Q5_0 = 16) fold the
// offset into the block minimum so they take the unsigned (relaxed) dot.
// A row is read through `q` (its first block's quants), `d` (its first block's scale) and `stride` (bytes from one
// block to the next), so the same row kernels serve ggml's layout and the row-interleaved one (matmul-q32-packed.ts).

// One token: blocks four at a time, their integer dots reduced to one vector of four totals and scaled by
// [dw·dx] of the four blocks in one multiply-add (no per-block scalar conversion or splat).
@inline export function rowTokens1(kind: i32, q: usize, d: usize, stride: usize, nb: i32, qs: usize, ds: usize, ss: usize): f32 {
  let acc = f32x4.splat(0);
  let accMin = f32x4.splat(0);
  let b = 0;
  for (; b + 4 <= nb; b += 4) {
    const pq = q + <usize>b * stride, pd = d + <usize>b * stride;
    const a = qs + (<usize>b << 5);
    const i0 = blockDot(kind, weightLo(kind, pq), weightHi(kind, pq), a);
    const i1 = blockDot(kind, weightLo(kind, pq + stride), weightHi(kind, pq + stride), a + 32);
    const i2 = blockDot(kind, weightLo(kind, pq + 2 * stride), weightHi(kind, pq + 2 * stride), a + 64);
    const i3 = blockDot(kind, weightLo(kind, pq + 3 * stride), weightHi(kind, pq + 3 * stride), a + 96);
    const dv = halves4(pd, stride, 0);
    acc = madd(f32x4.convert_i32x4_s(hadd(hadd(i0, i1), hadd(i2, i3))), f32x4.mul(dv, v128.load(ds + (<usize>b << 2))), acc);
    if (hasMin(kind)) accMin = madd(minOf4(kind, pd, stride, dv), v128.load(ss + (<usize>b << 2)), accMin);
  }
  let tail: f32 = 0;
  for (; b < nb; b++) {
    const pq = q + <usize>b * stride, pd = d + <usize>b * stride;
    const dv = loadF16(pd);
    const isum = blockDot(kind, weightLo(kind, pq), weightHi(kind, pq), qs + (<usize>b << 5));
    tail += <f32>(i32x4.extract_lane(isum, 0) + i32x4.extract_lane(isum, 1) + i32x4.extract_lane(isum, 2) + i32x4.extract_lane(isum, 3)) * dv * load<f32>(ds + (<usize>b << 2));
    if (hasMin(kind)) tail += weightMin(kind, pd, dv) * load<f32>(ss + (<usize>b << 2));
  }
  return hsum(acc) + hsum(accMin) + tail;
}

// Dot of 32 weights pre-widened to i16 (w0..w3) with 32 activation bytes at `a`: i32x4.dot_i16x8_s (pmaddwd)
// on widened activations; the widening of the weights is shared by the four tokens of a tile.
@inline function dotWide(w0: v128, w1: v128, w2: v128, w3: v128, a: usize): v128 {
  const x0 = v128.load(a), x1 = v128.load(a, 16);
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(w0, i16x8.extend_low_i8x16_s(x0)), i32x4.dot_i16x8_s(w1, i16x8.extend_high_i8x16_s(x0))),
    i32x4.add(i32x4.dot_i16x8_s(w2, i16x8.extend_low_i8x16_s(x1)), i32x4.dot_i16x8_s(w3, i16x8.extend_high_i8x16_s(x1))),
  );
}

// Whether a 4-token tile widens weights to i16 once (signed types, or any type without relaxed SIMD's 8-bit dot).
@inline function tileWidens(kind: i32): bool {
  return isSigned(kind) || !ASC_FEATURE_RELAXED_SIMD;
}

@inline function tileDot(kind: i32, lo: v128, hi: v128, w0: v128, w1: v128, w2: v128, w3: v128, a: usize): v128 {
  if (tileWidens(kind)) return dotWide(w0, w1, w2, w3, a);
  return blockDot(kind, lo, hi, a);
}

// Widened weights of a block for the four-token tile (or the bytes as they are where the 8-bit dot takes them).
@inline function widen(kind: i32, v: v128, high: bool): v128 {
  if (!tileWidens(kind)) return v;
  return high ? i16x8.extend_high_i8x16_s(v) : i16x8.extend_low_i8x16_s(v);
}

// Four tokens per pass over a weight row: each block is unpacked once and used four times (prefill). Blocks go
// four at a time: each token's four block dots are reduced to one vector of four totals and scaled by
// [dw·dx] of the four blocks in one multiply-add, as in rowTokens1; the remaining blocks one by one.
@inline export function rowTokens4(kind: i32, q: usize, d: usize, stride: usize, nb: i32, cols: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let n0 = f32x4.splat(0), n1 = f32x4.splat(0), n2 = f32x4.splat(0), n3 = f32x4.splat(0);
  let m0: f32 = 0, m1: f32 = 0, m2: f32 = 0, m3: f32 = 0;
  const nbs = <usize>nb << 2;
  let b = 0;
  for (; b + 4 <= nb; b += 4) {
    const pq = q + <usize>b * stride, pd = d + <usize>b * stride;
    const qa = qs + (<usize>b << 5);
    // Per token: hadd(hadd(block0, block1), hadd(block2, block3)) = the four blocks' totals. Each block is
    // unpacked (and widened) once for the four tokens.
    let h0 = i32x4.splat(0), h1 = i32x4.splat(0), h2 = i32x4.splat(0), h3 = i32x4.splat(0);
    for (let half: usize = 0; half < 2; half++) {
      const pa = pq + 2 * half * stride, pb = pa + stride, qa0 = qa + (half << 6), qb0 = qa0 + 32;
      const la = weightLo(kind, pa), ha = weightHi(kind, pa);
      const wa0 = widen(kind, la, false), wa1 = widen(kind, la, true), wa2 = widen(kind, ha, false), wa3 = widen(kind, ha, true);
      const x0 = tileDot(kind, la, ha, wa0, wa1, wa2, wa3, qa0), x1 = tileDot(kind, la, ha, wa0, wa1, wa2, wa3, qa0 + cols);
      const x2 = tileDot(kind, la, ha, wa0, wa1, wa2, wa3, qa0 + 2 * cols), x3 = tileDot(kind, la, ha, wa0, wa1, wa2, wa3, qa0 + 3 * cols);
      const lb = weightLo(kind, pb), hb = weightHi(kind, pb);
      const wb0 = widen(kind, lb, false), wb1 = widen(kind, lb, true), wb2 = widen(kind, hb, false), wb3 = widen(kind, hb, true);
      const y0 = hadd(x0, tileDot(kind, lb, hb, wb0, wb1, wb2, wb3, qb0));
      const y1 = hadd(x1, tileDot(kind, lb, hb, wb0, wb1, wb2, wb3, qb0 + cols));
      const y2 = hadd(x2, tileDot(kind, lb, hb, wb0, wb1, wb2, wb3, qb0 + 2 * cols));
      const y3 = hadd(x3, tileDot(kind, lb, hb, wb0, wb1, wb2, wb3, qb0 + 3 * cols));
      if (half == 0) {
        h0 = y0; h1 = y1; h2 = y2; h3 = y3;
      } else {
        h0 = hadd(h0, y0); h1 = hadd(h1, y1); h2 = hadd(h2, y2); h3 = hadd(h3, y3);
      }
    }
    const dv = halves4(pd, stride, 0);
    const da = ds + (<usize>b << 2);
    a0 = madd(f32x4.convert_i32x4_s(h0), f32x4.mul(dv, v128.load(da)), a0);
    a1 = madd(f32x4.convert_i32x4_s(h1), f32x4.mul(dv, v128.load(da + nbs)), a1);
    a2 = madd(f32x4.convert_i32x4_s(h2), f32x4.mul(dv, v128.load(da + 2 * nbs)), a2);
    a3 = madd(f32x4.convert_i32x4_s(h3), f32x4.mul(dv, v128.load(da + 3 * nbs)), a3);
    if (hasMin(kind)) {
      const mn = minOf4(kind, pd, stride, dv);
      const sa = ss + (<usize>b << 2);
      n0 = madd(mn, v128.load(sa), n0);
      n1 = madd(mn, v128.load(sa + nbs), n1);
      n2 = madd(mn, v128.load(sa + 2 * nbs), n2);
      n3 = madd(mn, v128.load(sa + 3 * nbs), n3);
    }
  }
  for (; b < nb; b++) {
    const pq = q + <usize>b * stride, pd = d + <usize>b * stride;
    const dv = loadF16(pd);
    const lo = weightLo(kind, pq), hi = weightHi(kind, pq);
    const w0 = widen(kind, lo, false), w1 = widen(kind, lo, true), w2 = widen(kind, hi, false), w3 = widen(kind, hi, true);
    const qa = qs + (<usize>b << 5);
    const da = ds + (<usize>b << 2);
    a0 = madd(f32x4.convert_i32x4_s(tileDot(kind, lo, hi, w0, w1, w2, w3, qa)), f32x4.splat(dv * load<f32>(da)), a0);
    a1 = madd(f32x4.convert_i32x4_s(tileDot(kind, lo, hi, w0, w1, w2, w3, qa + cols)), f32x4.splat(dv * load<f32>(da + nbs)), a1);
    a2 = madd(f32x4.convert_i32x4_s(tileDot(kind, lo, hi, w0, w1, w2, w3, qa + 2 * cols)), f32x4.splat(dv * load<f32>(da + 2 * nbs)), a2);
    a3 = madd(f32x4.convert_i32x4_s(tileDot(kind, lo, hi, w0, w1, w2, w3, qa + 3 * cols)), f32x4.splat(dv * load<f32>(da + 3 * nbs)), a3);
    if (hasMin(kind)) {
      const m = weightMin(kind, pd, dv);
      const sa = ss + (<usize>b << 2);
      m0 += m * load<f32>(sa);
      m1 += m * load<f32>(sa + nbs);
      m2 += m * load<f32>(sa + 2 * nbs);
      m3 += m * load<f32>(sa + 3 * nbs);
    }
  }
  const rb = rows << 2;
  store<f32>(out, hsum(a0) + hsum(n0) + m0);
  store<f32>(out + rb, hsum(a1) + hsum(n1) + m1);
  store<f32>(out + 2 * rb, hsum(a2) + hsum(n2) + m2);
  store<f32>(out + 3 * rb, hsum(a3) + hsum(n3) + m3);
}

@inline function matmulQ32(kind: i32, w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * blockBytes(kind);
  const c = <usize>cols;
  const nbs = <usize>nb << 2;
  const rowsU = <usize>rows;
  let t = 0;
  // Token tiles of 4, then the remaining tokens one at a time; rows in the inner loop keep a tile's
  // activations (4 × cols bytes) in L1 while weight rows stream.
  for (; t + 4 <= nTokens; t += 4) {
    const tq = qs + <usize>t * c, td = ds + <usize>t * nbs, ts = ss + <usize>t * nbs;
    for (let r = r0; r < r1; r++) {
      const row = w + <usize>r * rowBytes;
      rowTokens4(kind, row + quantsOffset(kind), row, blockBytes(kind), nb, c, tq, td, ts, out + ((<usize>t * rowsU + <usize>r) << 2), rowsU);
    }
  }
  for (; t < nTokens; t++) {
    const tq = qs + <usize>t * c, td = ds + <usize>t * nbs, ts = ss + <usize>t * nbs;
    const o = out + (<usize>t * rowsU << 2);
    for (let r = r0; r < r1; r++) {
      const row = w + <usize>r * rowBytes;
      store<f32>(o + (<usize>r << 2), rowTokens1(kind, row + quantsOffset(kind), row, blockBytes(kind), nb, tq, td, ts));
    }
  }
}

export function matmulQ8_0(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulQ32(KIND_Q8_0, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ4_0(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulQ32(KIND_Q4_0, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ4_1(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulQ32(KIND_Q4_1, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ5_0(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulQ32(KIND_Q5_0, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ5_1(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulQ32(KIND_Q5_1, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulIQ4_NL(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulQ32(KIND_IQ4_NL, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
