import { loadF16, hsum } from "./f16";
import { dotS, dotU5x32, spreadBits16 } from "./int-dot";

// Products of weights in the 32-value block types with Q8 activations (see quantize-act.ts).
// out[t, r] for rows r in [r0, r1) and all tokens t: Σ_blocks (dw·dx·Σ wq·xq + mw·dx·Σ xq).
// Types whose values are unsigned codes plus an offset (Q4_0 = 8 below its nibble, Q5_0 = 16) fold the
// offset into the block minimum so they take the unsigned (relaxed) dot.

const KIND_Q8_0 = 0;
const KIND_Q4_0 = 1;
const KIND_Q4_1 = 2;
const KIND_Q5_0 = 3;
const KIND_Q5_1 = 4;
const KIND_IQ4_NL = 5;

// ggml-common.h kvalues_iq4nl
const IQ4NL_TABLE: v128 = i8x16(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);

@inline function blockBytes(kind: i32): usize {
  return kind == KIND_Q8_0 ? 34 : kind == KIND_Q4_0 ? 18 : kind == KIND_Q4_1 ? 20 : kind == KIND_Q5_0 ? 22 : kind == KIND_Q5_1 ? 24 : 18;
}

@inline function isSigned(kind: i32): bool {
  return kind == KIND_Q8_0 || kind == KIND_IQ4_NL;
}

@inline function hasMin(kind: i32): bool {
  return kind == KIND_Q4_0 || kind == KIND_Q4_1 || kind == KIND_Q5_0 || kind == KIND_Q5_1;
}

@inline function weightLo(kind: i32, p: usize): v128 {
  if (kind == KIND_Q8_0) return v128.load(p, 2);
  if (kind == KIND_Q4_0) return v128.and(v128.load(p, 2), i8x16.splat(0x0f));
  if (kind == KIND_Q4_1) return v128.and(v128.load(p, 4), i8x16.splat(0x0f));
  if (kind == KIND_Q5_0) return v128.or(v128.and(v128.load(p, 6), i8x16.splat(0x0f)), spreadBits16(<u32>load<u16>(p, 2)));
  if (kind == KIND_Q5_1) return v128.or(v128.and(v128.load(p, 8), i8x16.splat(0x0f)), spreadBits16(<u32>load<u16>(p, 4)));
  return i8x16.swizzle(IQ4NL_TABLE, v128.and(v128.load(p, 2), i8x16.splat(0x0f)));
}

@inline function weightHi(kind: i32, p: usize): v128 {
  if (kind == KIND_Q8_0) return v128.load(p, 18);
  if (kind == KIND_Q4_0) return i8x16.shr_u(v128.load(p, 2), 4);
  if (kind == KIND_Q4_1) return i8x16.shr_u(v128.load(p, 4), 4);
  if (kind == KIND_Q5_0) return v128.or(i8x16.shr_u(v128.load(p, 6), 4), spreadBits16(<u32>load<u16>(p, 4)));
  if (kind == KIND_Q5_1) return v128.or(i8x16.shr_u(v128.load(p, 8), 4), spreadBits16(<u32>load<u16>(p, 6)));
  return i8x16.swizzle(IQ4NL_TABLE, i8x16.shr_u(v128.load(p, 2), 4));
}

@inline function weightMin(kind: i32, p: usize, d: f32): f32 {
  if (kind == KIND_Q4_0) return -8 * d;
  if (kind == KIND_Q5_0) return -16 * d;
  return loadF16(p + 2);
}

@inline function blockDot(kind: i32, lo: v128, hi: v128, a: usize): v128 {
  if (isSigned(kind)) return i32x4.add(dotS(lo, v128.load(a)), dotS(hi, v128.load(a, 16)));
  return dotU5x32(lo, hi, a);
}

@inline function rowTokens1(kind: i32, w: usize, nb: i32, qs: usize, ds: usize, ss: usize): f32 {
  let acc = f32x4.splat(0);
  let accMin: f32 = 0;
  const bytes = blockBytes(kind);
  for (let b = 0; b < nb; b++) {
    const p = w + <usize>b * bytes;
    const d = loadF16(p);
    const isum = blockDot(kind, weightLo(kind, p), weightHi(kind, p), qs + (<usize>b << 5));
    acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(isum), f32x4.splat(d * load<f32>(ds + (<usize>b << 2)))));
    if (hasMin(kind)) accMin += weightMin(kind, p, d) * load<f32>(ss + (<usize>b << 2));
  }
  return hsum(acc) + accMin;
}

// Four tokens per pass over a weight row: each block is unpacked once and used four times (prefill).
@inline function rowTokens4(kind: i32, w: usize, nb: i32, cols: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let m0: f32 = 0, m1: f32 = 0, m2: f32 = 0, m3: f32 = 0;
  const bytes = blockBytes(kind);
  const nbs = <usize>nb << 2;
  for (let b = 0; b < nb; b++) {
    const p = w + <usize>b * bytes;
    const d = loadF16(p);
    const lo = weightLo(kind, p), hi = weightHi(kind, p);
    const qa = qs + (<usize>b << 5);
    const da = ds + (<usize>b << 2);
    a0 = f32x4.add(a0, f32x4.mul(f32x4.convert_i32x4_s(blockDot(kind, lo, hi, qa)), f32x4.splat(d * load<f32>(da))));
    a1 = f32x4.add(a1, f32x4.mul(f32x4.convert_i32x4_s(blockDot(kind, lo, hi, qa + cols)), f32x4.splat(d * load<f32>(da + nbs))));
    a2 = f32x4.add(a2, f32x4.mul(f32x4.convert_i32x4_s(blockDot(kind, lo, hi, qa + 2 * cols)), f32x4.splat(d * load<f32>(da + 2 * nbs))));
    a3 = f32x4.add(a3, f32x4.mul(f32x4.convert_i32x4_s(blockDot(kind, lo, hi, qa + 3 * cols)), f32x4.splat(d * load<f32>(da + 3 * nbs))));
    if (hasMin(kind)) {
      const m = weightMin(kind, p, d);
      const sa = ss + (<usize>b << 2);
      m0 += m * load<f32>(sa);
      m1 += m * load<f32>(sa + nbs);
      m2 += m * load<f32>(sa + 2 * nbs);
      m3 += m * load<f32>(sa + 3 * nbs);
    }
  }
  const rb = rows << 2;
  store<f32>(out, hsum(a0) + m0);
  store<f32>(out + rb, hsum(a1) + m1);
  store<f32>(out + 2 * rb, hsum(a2) + m2);
  store<f32>(out + 3 * rb, hsum(a3) + m3);
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
      rowTokens4(kind, w + <usize>r * rowBytes, nb, c, tq, td, ts, out + ((<usize>t * rowsU + <usize>r) << 2), rowsU);
    }
  }
  for (; t < nTokens; t++) {
    const tq = qs + <usize>t * c, td = ds + <usize>t * nbs, ts = ss + <usize>t * nbs;
    const o = out + (<usize>t * rowsU << 2);
    for (let r = r0; r < r1; r++) {
      store<f32>(o + (<usize>r << 2), rowTokens1(kind, w + <usize>r * rowBytes, nb, tq, td, ts));
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
