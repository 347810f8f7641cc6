import { f16sx4ToF32x4, hsum, loadF16 } from "./f16";
import { byteField, hadd, madd, pairsU5, shlSmallBytes, swizzleIn } from "./int-dot";

// Super-block (256-value) types times Q8_K activations (quantize-act.ts: one f32 scale per 256 values and the
// sums of each 16 quants), as llama.cpp's vec_dot_*_q8_K: per super-block an exact integer sum of
// (group scale × group dot) over its sixteen 16-value groups, then one multiply by d_weight · d_activation;
// offsets and minima come from the activation group sums. Layouts: ggml-quants.c dequantize_row_q{2..6}_K,
// dequantize_row_iq4_xs. Weight values are unsigned codes (the offsets of Q6_K and Q3_K go to the group sums)
// so the relaxed 8-bit dot takes them; IQ4_XS's table values are signed.

export const KIND_Q4_K = 0;
export const KIND_Q5_K = 1;
export const KIND_Q6_K = 2;
export const KIND_Q2_K = 3;
export const KIND_Q3_K = 4;
export const KIND_IQ4_XS = 5;

// ggml-common.h kvalues_iq4nl
export const IQ4NL_TABLE: v128 = i8x16(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);

@inline export function kBlockBytes(kind: i32): usize {
  return kind == KIND_Q4_K ? 144 : kind == KIND_Q5_K ? 176 : kind == KIND_Q6_K ? 210 : kind == KIND_Q2_K ? 84 : kind == KIND_Q3_K ? 110 : 136;
}

// Of the types rowK serves, Q2_K has minima.
@inline function hasMin(kind: i32): bool {
  return kind == KIND_Q2_K;
}

@inline export function superD(kind: i32, p: usize): f32 {
  return loadF16(kind == KIND_Q6_K ? p + 208 : kind == KIND_Q2_K ? p + 80 : kind == KIND_Q3_K ? p + 108 : p);
}

@inline export function superDmin(kind: i32, p: usize): f32 {
  return loadF16(kind == KIND_Q2_K ? p + 82 : p + 2);
}

// The 8 six-bit scales (low 8 bytes) and 8 mins (high 8 bytes) of a Q4_K/Q5_K block as 16 bytes
// (ggml-quants.c get_scale_min_k4, done on 32-bit words as in ggml's SIMD paths).
@inline export function kScalesMins(sc: usize): v128 {
  // i32 lanes u0, u1, u2 (and 4 bytes past the scales, unused): s0 = u0 & 0x3f…, m0 = u1 & 0x3f…,
  // s1 = (u2 & 0x0f…) | ((u0 >> 6) & 0x03…) << 4, m1 = ((u2 >> 4) & 0x0f…) | ((u1 >> 6) & 0x03…) << 4.
  const u = v128.load(sc);
  const low6 = v128.and(u, i32x4.splat(0x3f3f3f3f));
  const top2 = i32x4.shl(v128.and(i32x4.shr_u(u, 6), i32x4.splat(0x03030303)), 4);
  const u2 = v128.shuffle<i32>(u, u, 2, 2, 2, 2);
  const nib = v128.shuffle<i32>(v128.and(u2, i32x4.splat(0x0f0f0f0f)), v128.and(i32x4.shr_u(u2, 4), i32x4.splat(0x0f0f0f0f)), 0, 4, 0, 4);
  return v128.shuffle<i32>(low6, v128.or(nib, top2), 0, 4, 1, 5);
}

// The integer scale of each of the sixteen 16-value groups (Q6_K, Q2_K, Q3_K, IQ4_XS), as signed bytes.
@inline export function groupScales(kind: i32, p: usize): v128 {
  if (kind == KIND_Q6_K) return v128.load(p + 192);
  if (kind == KIND_Q2_K) return v128.and(v128.load(p), i8x16.splat(0x0f));
  if (kind == KIND_Q3_K) {
    const a0 = load<u32>(p + 96), a1 = load<u32>(p + 100), t = load<u32>(p + 104);
    const s0 = (a0 & 0x0f0f0f0f) | ((t & 0x03030303) << 4);
    const s1 = (a1 & 0x0f0f0f0f) | (((t >> 2) & 0x03030303) << 4);
    const s2 = ((a0 >> 4) & 0x0f0f0f0f) | (((t >> 4) & 0x03030303) << 4);
    const s3 = ((a1 >> 4) & 0x0f0f0f0f) | (((t >> 6) & 0x03030303) << 4);
    const v = i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(s0), 1, s1), 2, s2), 3, s3);
    return i8x16.sub(v, i8x16.splat(32));
  }
  // IQ4_XS: one scale per 32 values, so each byte twice.
  const sc = iq4xsScales(p);
  return i8x16.swizzle(i8x16.narrow_i16x8_s(sc, sc), i8x16(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
}

// The eight sub-block scales of an IQ4_XS super-block at p as 16-bit lanes (ls − 32): the low four bits from the
// nibbles of scales_l (odd sub-blocks the high nibble), the top two from scales_h, each lane's pair moved to bits
// 14–15 by a multiply by 2^(14 − 2·ib) and shifted down.
@inline export function iq4xsScales(p: usize): v128 {
  const l = i8x16.swizzle(v128.load32_zero(p + 4), i8x16(0, -1, 0, -1, 1, -1, 1, -1, 2, -1, 2, -1, 3, -1, 3, -1));
  const odd = i16x8(0, -1, 0, -1, 0, -1, 0, -1);
  const nib = v128.bitselect(i16x8.shr_u(l, 4), v128.and(l, i16x8.splat(0x0f)), odd);
  const h = i16x8.shr_u(i16x8.mul(i16x8.splat(load<u16>(p + 2)), i16x8(16384, 4096, 1024, 256, 64, 16, 4, 1)), 14);
  return i16x8.sub(v128.or(nib, i16x8.shl(h, 4)), i16x8.splat(32));
}

// The minimum of each 16-value group of Q2_K, as bytes.
@inline function groupMins(p: usize): v128 {
  return byteField(v128.load(p), 4, 0x0f);
}

// The 16 codes of group g (values 16g .. 16g+15 of the super-block; Q6_K, Q2_K, Q3_K, IQ4_XS): unsigned, IQ4_XS's
// table values signed.
@inline function groupCodes(kind: i32, p: usize, g: i32): v128 {
  const half = <usize>(g & 1);
  if (kind == KIND_Q6_K) {
    const n = <usize>(g >> 3), qq = (g >> 1) & 3;
    const l = v128.load(p + (n << 6) + (<usize>(qq & 1) << 5) + (half << 4));
    const nib = qq >= 2 ? byteField(l, 4, 0x0f) : v128.and(l, i8x16.splat(0x0f));
    const h = byteField(v128.load(p + 128 + (n << 5) + (half << 4)), 2 * qq, 3);
    return v128.or(nib, shlSmallBytes(h, 4));
  }
  if (kind == KIND_Q2_K || kind == KIND_Q3_K) {
    const n = <usize>(g >> 3), j = (g >> 1) & 3;
    const q = byteField(v128.load(p + (kind == KIND_Q2_K ? 16 : 32) + (n << 5) + (half << 4)), 2 * j, 3);
    if (kind == KIND_Q2_K) return q;
    const h = byteField(v128.load(p + (half << 4)), 4 * <i32>n + j, 1);
    return v128.or(q, shlSmallBytes(h, 2));
  }
  const q = v128.load(p + 8 + (<usize>(g >> 1) << 4));
  return i8x16.swizzle(IQ4NL_TABLE, half != 0 ? byteField(q, 4, 0x0f) : v128.and(q, i8x16.splat(0x0f)));
}

// Sums of adjacent code × activation products, eight i16 lanes.
@inline function pairs(kind: i32, w: v128, a: v128): v128 {
  if (kind == KIND_IQ4_XS) return i16x8.add(i16x8.extmul_low_i8x16_s(w, a), i16x8.extmul_high_i8x16_s(w, a));
  return pairsU5(w, a);
}

// Group g's scale in every i16 lane.
@inline function scaleSplat(sc: v128, g: i32): v128 {
  return i16x8.extend_low_i8x16_s(i8x16.swizzle(sc, i8x16.splat(<i8>g)));
}

// Scale-weighted integer dot of groups g, g+1 (codes w0, w1) with one token's 32 activations at `a`.
@inline function pairDot(kind: i32, w0: v128, w1: v128, s0: v128, s1: v128, a: usize): v128 {
  const p0 = pairs(kind, w0, v128.load(a)), p1 = pairs(kind, w1, v128.load(a, 16));
  return i32x4.add(i32x4.dot_i16x8_s(p0, s0), i32x4.dot_i16x8_s(p1, s1));
}

// One token's super-block total folded into its float accumulator: the offset of the unsigned codes
// (Q6_K: 32, Q3_K: 4, times each group's scale and activation sum), d_w · d_x, and the minima.
@inline function finish(kind: i32, acc: v128, isum: v128, sLo: v128, sHi: v128, mLo: v128, mHi: v128,
  dw: f32, dmin: f32, dx: usize, bs: usize): v128 {
  const da = load<f32>(dx);
  const bLo = v128.load(bs), bHi = v128.load(bs, 16);
  let it = isum;
  if (kind == KIND_Q6_K || kind == KIND_Q3_K) {
    const off = i32x4.add(i32x4.dot_i16x8_s(bLo, sLo), i32x4.dot_i16x8_s(bHi, sHi));
    it = i32x4.sub(it, i32x4.shl(off, kind == KIND_Q6_K ? 5 : 2));
  }
  let f = madd(f32x4.convert_i32x4_s(it), f32x4.splat(dw * da), acc);
  if (hasMin(kind)) {
    const m = i32x4.add(i32x4.dot_i16x8_s(bLo, mLo), i32x4.dot_i16x8_s(bHi, mHi));
    f = madd(f32x4.convert_i32x4_s(m), f32x4.splat(-dmin * da), f);
  }
  return f;
}

// finish for one super-block at p whose group scales are sc (groupScales): the scales and minima widened to 16 bits.
@inline export function finishBlock(kind: i32, acc: v128, isum: v128, sc: v128, p: usize, dx: usize, bs: usize): v128 {
  const mn = hasMin(kind) ? groupMins(p) : sc;
  return finish(kind, acc, isum, i16x8.extend_low_i8x16_s(sc), i16x8.extend_high_i8x16_s(sc), i16x8.extend_low_i8x16_s(mn),
    i16x8.extend_high_i8x16_s(mn), superD(kind, p), hasMin(kind) ? superDmin(kind, p) : 0, dx, bs);
}

// nt (a constant: 4, the tiles of the driver; one token goes to matmul-k-rows4.ts) tokens times one weight row of
// Q6_K, Q2_K, Q3_K or IQ4_XS (Q4_K and Q5_K: rowQ45Tokens4 below): each group's codes are unpacked once for the tile.
// Per token: activations q + t·cols, scales dx + t·dStride, group sums bs + t·bsStride; out + t·outStride.
@inline export function rowK(kind: i32, nt: i32, w: usize, nbk: i32, q: usize, cols: usize, dx: usize, dStride: usize,
  bs: usize, bsStride: usize, out: usize, outStride: usize): void {
  let f0 = f32x4.splat(0), f1 = f32x4.splat(0), f2 = f32x4.splat(0), f3 = f32x4.splat(0);
  const bytes = kBlockBytes(kind);
  for (let k = 0; k < nbk; k++) {
    const p = w + <usize>k * bytes;
    const sc = groupScales(kind, p);
    const a = q + (<usize>k << 8);
    let i0 = i32x4.splat(0), i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
    for (let g = 0; g < 16; g += 2) {
      const w0 = groupCodes(kind, p, g), w1 = groupCodes(kind, p, g + 1);
      const s0 = scaleSplat(sc, g), s1 = scaleSplat(sc, g + 1);
      const ag = a + (<usize>g << 4);
      i0 = i32x4.add(i0, pairDot(kind, w0, w1, s0, s1, ag));
      if (nt > 1) {
        i1 = i32x4.add(i1, pairDot(kind, w0, w1, s0, s1, ag + cols));
        i2 = i32x4.add(i2, pairDot(kind, w0, w1, s0, s1, ag + 2 * cols));
        i3 = i32x4.add(i3, pairDot(kind, w0, w1, s0, s1, ag + 3 * cols));
      }
    }
    const dw = superD(kind, p), dmin = hasMin(kind) ? superDmin(kind, p) : 0;
    const sLo = i16x8.extend_low_i8x16_s(sc), sHi = i16x8.extend_high_i8x16_s(sc);
    const mn = hasMin(kind) ? groupMins(p) : sc;
    const mLo = i16x8.extend_low_i8x16_s(mn), mHi = i16x8.extend_high_i8x16_s(mn);
    const kd = dx + (<usize>k << 2), kb = bs + (<usize>k << 5);
    f0 = finish(kind, f0, i0, sLo, sHi, mLo, mHi, dw, dmin, kd, kb);
    if (nt > 1) {
      f1 = finish(kind, f1, i1, sLo, sHi, mLo, mHi, dw, dmin, kd + dStride, kb + bsStride);
      f2 = finish(kind, f2, i2, sLo, sHi, mLo, mHi, dw, dmin, kd + 2 * dStride, kb + 2 * bsStride);
      f3 = finish(kind, f3, i3, sLo, sHi, mLo, mHi, dw, dmin, kd + 3 * dStride, kb + 3 * bsStride);
    }
  }
  store<f32>(out, hsum(f0));
  if (nt > 1) {
    store<f32>(out + outStride, hsum(f1));
    store<f32>(out + 2 * outStride, hsum(f2));
    store<f32>(out + 3 * outStride, hsum(f3));
  }
}

// The activation sum of each 32-value sub-block of a super-block (pairs of its sixteen group sums at b, each
// ≤ 16 · 127) in eight 16-bit lanes.
@inline export function subBlockSums(b: usize): v128 {
  return i16x8.narrow_i32x4_s(i32x4.extadd_pairwise_i16x8_s(v128.load(b)), i32x4.extadd_pairwise_i16x8_s(v128.load(b, 16)));
}

// A Q4_K/Q5_K super-block's minima (kScalesMins' bytes 8–15, sm) times the sub-block activation sums b32: four
// partial sums.
@inline export function kMins(sm: v128, b32: v128): v128 {
  return i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(sm), b32);
}

// Q4_K and Q5_K times four tokens (prefill, decoding batches) for one weight row: per super-block the scales decoded
// once, per 64-value chunk (a real loop, as in matmul-k-rows4.ts) the codes of its two sub-blocks unpacked once
// (Q5_K: with the fifth bit) and dotted with each token's 64 activations: 16-bit pair sums of both sub-blocks folded
// into one vector, times [s ×4, s' ×4] in one pmaddwd. Per super-block the four tokens' integer sums reduce to one
// vector (lane t: token t) scaled by d times the tokens' d_activation in one multiply-add, the minima likewise
// (kMins per token). Per token: activations q + t·cols, scales dx + t·dStride, group sums bs + t·bsStride;
// out + t·outStride.
@inline export function rowQ45Tokens4(kind: i32, w: usize, nbk: i32, q: usize, cols: usize, dx: usize, dStride: usize,
  bs: usize, bsStride: usize, out: usize, outStride: usize): void {
  const bytes = kBlockBytes(kind);
  const qs: usize = kind == KIND_Q4_K ? 16 : 48;
  let acc = f32x4.splat(0), mins = f32x4.splat(0);
  for (let k = 0; k < nbk; k++) {
    const p = w + <usize>k * bytes;
    const a = q + (<usize>k << 8), b = bs + (<usize>k << 5), d = dx + (<usize>k << 2);
    const sm = kScalesMins(p + 4);
    // The four tokens' d_activation, and the row's [d, dmin].
    const da = v128.load32_lane(d + 3 * dStride, v128.load32_lane(d + 2 * dStride, v128.load32_lane(d + dStride, v128.load32_zero(d), 1), 2), 3);
    const dd = f16sx4ToF32x4(i32x4.extend_low_i16x8_s(v128.load32_zero(p)));
    const m = hadd(hadd(kMins(sm, subBlockSums(b)), kMins(sm, subBlockSums(b + bsStride))),
      hadd(kMins(sm, subBlockSums(b + 2 * bsStride)), kMins(sm, subBlockSums(b + 3 * bsStride))));
    mins = madd(f32x4.convert_i32x4_s(m), f32x4.mul(da, v128.shuffle<f32>(dd, dd, 1, 1, 1, 1)), mins);
    let i0 = i32x4.splat(0), i1 = i32x4.splat(0), i2 = i32x4.splat(0), i3 = i32x4.splat(0);
    // Chunk j's scale pairs [s_2j ×4, s_2j+1 ×4] swizzled from the scale bytes straight into 16-bit lanes (the high
    // bytes' index selects zero): these indices plus 2j in each low byte.
    let idx = i8x16(0, -128, 0, -128, 0, -128, 0, -128, 1, -128, 1, -128, 1, -128, 1, -128);
    for (let j: usize = 0; j < 4; j++) {
      const cj = qs + (j << 5), s = <i32>j << 1;
      const c0 = v128.load(p + cj), c1 = v128.load(p + cj, 16), hb0 = q5High(kind, p, 0), hb1 = q5High(kind, p, 1);
      const l0 = q45Codes(kind, c0, hb0, s, true), l1 = q45Codes(kind, c1, hb1, s, true);
      const h0 = q45Codes(kind, c0, hb0, s, false), h1 = q45Codes(kind, c1, hb1, s, false);
      const s2 = swizzleIn(sm, idx);
      const a0 = a + (j << 6), a1 = a0 + cols, a2 = a0 + 2 * cols, a3 = a0 + 3 * cols;
      i0 = i32x4.add(i0, chunkDot(l0, l1, h0, h1, v128.load(a0), v128.load(a0, 16), v128.load(a0, 32), v128.load(a0, 48), s2));
      i1 = i32x4.add(i1, chunkDot(l0, l1, h0, h1, v128.load(a1), v128.load(a1, 16), v128.load(a1, 32), v128.load(a1, 48), s2));
      i2 = i32x4.add(i2, chunkDot(l0, l1, h0, h1, v128.load(a2), v128.load(a2, 16), v128.load(a2, 32), v128.load(a2, 48), s2));
      i3 = i32x4.add(i3, chunkDot(l0, l1, h0, h1, v128.load(a3), v128.load(a3, 16), v128.load(a3, 32), v128.load(a3, 48), s2));
      idx = i16x8.add(idx, i16x8.splat(2));
    }
    acc = madd(f32x4.convert_i32x4_s(hadd(hadd(i0, i1), hadd(i2, i3))), f32x4.mul(da, v128.shuffle<f32>(dd, dd, 0, 0, 0, 0)), acc);
  }
  const r = f32x4.sub(acc, mins);
  store<f32>(out, f32x4.extract_lane(r, 0));
  store<f32>(out + outStride, f32x4.extract_lane(r, 1));
  store<f32>(out + 2 * outStride, f32x4.extract_lane(r, 2));
  store<f32>(out + 3 * outStride, f32x4.extract_lane(r, 3));
}

// Codes of chunk j of a Q4_K/Q5_K super-block from one half of its 32 bytes (c: bytes 0–15 or 16–31 at p + cj):
// the low nibbles (`low`, sub-block 2j) or the high ones (sub-block 2j + 1). Q5_K adds bit s = 2j (low) or s + 1 of the
// matching half of its 32 high-bit bytes at p + 16 (hb) as bit 4: 16-bit shifts, the mask drops what crossed.
// Each half is loaded once for both nibbles (V8 does not merge two loads of one address).
@inline export function q45Codes(kind: i32, c: v128, hb: v128, s: i32, low: bool): v128 {
  let v = low ? v128.and(c, i8x16.splat(0x0f)) : byteField(c, 4, 0x0f);
  if (kind == KIND_Q5_K) {
    v = v128.or(v, v128.and(i16x8.shl(i16x8.shr_u(hb, s), low ? 4 : 3), i8x16.splat(0x10)));
  }
  return v;
}

// The high-bit bytes of half h (0, 1) of a Q5_K super-block at p (Q4_K: unused, zero).
@inline export function q5High(kind: i32, p: usize, h: usize): v128 {
  return kind == KIND_Q5_K ? v128.load(p + 16 + (h << 4)) : i32x4.splat(0);
}

// A chunk's codes (l0, l1: sub-block 2j, h0, h1: 2j + 1) times one token's 64 activations x0…x3: each sub-block's
// 16-bit pair sums (≤ 2·2·31·128 a lane) folded to four lanes, the two side by side, times their scales
// s2 = [s ×4, s' ×4] (one pmaddwd).
@inline export function chunkDot(l0: v128, l1: v128, h0: v128, h1: v128, x0: v128, x1: v128, x2: v128, x3: v128, s2: v128): v128 {
  const lo = i16x8.add(pairsU5(l0, x0), pairsU5(l1, x1));
  const hi = i16x8.add(pairsU5(h0, x2), pairsU5(h1, x3));
  return i32x4.dot_i16x8_s(i16x8.add(v128.shuffle<i64>(lo, hi, 0, 2), v128.shuffle<i64>(lo, hi, 1, 3)), s2);
}
