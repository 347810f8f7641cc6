import { loadF16, hsum } from "./f16";
import { dotS, dotU5x32, madd } from "./int-dot";

// Super-block (256-value) types times Q8 activations in blocks of 32 (quantize-act.ts): each activation
// block lines up with one or two of the type's sub-blocks, so its f32 scale folds into the sub-block scale.
// Layouts and value formulas: ggml-quants.c dequantize_row_q{2,3,4,5,6}_K and dequantize_row_iq4_xs.

// ggml-common.h kvalues_iq4nl
const IQ4NL_TABLE: v128 = i8x16(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);

@inline function f32Splat(i: v128, s: f32): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i), f32x4.splat(s));
}

// Σ of 16 activation bytes, as four i32 lanes.
@inline function sum16(a: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(a));
}

// Q4_K (144 bytes): d, dmin (f16), 12 bytes of 6-bit scales and mins, 128 bytes of nibbles.
@inline function q4kScale(sc: usize, j: i32): f32 {
  return j < 4 ? <f32>(load<u8>(sc + j) & 63) : <f32>((load<u8>(sc + j + 4) & 0xf) | ((load<u8>(sc + j - 4) >> 6) << 4));
}
@inline function q4kMin(sc: usize, j: i32): f32 {
  return j < 4 ? <f32>(load<u8>(sc + j + 4) & 63) : <f32>((load<u8>(sc + j + 4) >> 4) | ((load<u8>(sc + j) >> 6) << 4));
}

// Pairwise sums of adjacent i32 lanes of x and y: [x0+x1, x2+x3, y0+y1, y2+y3]; applied twice it reduces four
// vectors to their four totals.
@inline function hadd(x: v128, y: v128): v128 {
  return i32x4.add(v128.shuffle<i32>(x, y, 0, 2, 4, 6), v128.shuffle<i32>(x, y, 1, 3, 5, 7));
}

// The 8 six-bit scales (low 8 bytes) and 8 mins (high 8 bytes) of a Q4_K/Q5_K block as 16 bytes
// (ggml-quants.c get_scale_min_k4, done on 32-bit words as in ggml's SIMD paths).
@inline function kScalesMins(sc: usize): v128 {
  const u0 = load<u32>(sc), u1 = load<u32>(sc, 4), u2 = load<u32>(sc, 8);
  const s0 = u0 & 0x3f3f3f3f;
  const s1 = (u2 & 0x0f0f0f0f) | (((u0 >> 6) & 0x03030303) << 4);
  const m0 = u1 & 0x3f3f3f3f;
  const m1 = ((u2 >> 4) & 0x0f0f0f0f) | (((u1 >> 6) & 0x03030303) << 4);
  return i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(s0), 1, s1), 2, m0), 3, m1);
}

@inline function bytesToF32(v: v128, quarter: i32): v128 {
  const h = quarter < 2 ? i16x8.extend_low_i8x16_u(v) : i16x8.extend_high_i8x16_u(v);
  return f32x4.convert_i32x4_u((quarter & 1) == 0 ? i32x4.extend_low_i16x8_u(h) : i32x4.extend_high_i16x8_u(h));
}

// Per super-block: the eight sub-block integer dots are reduced to two vectors of four totals, scaled by
// d·scale·dx in one multiply-add each; the minima by dmin·min·(dx·Σq) likewise.
export function rowQ4_K(w: usize, nbk: i32, qs: usize, ds: usize, ss: usize): f32 {
  let acc = f32x4.splat(0);
  let accMin = f32x4.splat(0);
  const m4 = i8x16.splat(0x0f);
  for (let k = 0; k < nbk; k++) {
    const p = w + <usize>k * 144;
    const a = qs + (<usize>k << 8), da = ds + (<usize>k << 5), sa = ss + (<usize>k << 5);
    const q0 = v128.load(p, 16), q1 = v128.load(p, 32), q2 = v128.load(p, 48), q3 = v128.load(p, 64);
    const q4 = v128.load(p, 80), q5 = v128.load(p, 96), q6 = v128.load(p, 112), q7 = v128.load(p, 128);
    const i0 = dotU5x32(v128.and(q0, m4), v128.and(q1, m4), a);
    const i1 = dotU5x32(i8x16.shr_u(q0, 4), i8x16.shr_u(q1, 4), a + 32);
    const i2 = dotU5x32(v128.and(q2, m4), v128.and(q3, m4), a + 64);
    const i3 = dotU5x32(i8x16.shr_u(q2, 4), i8x16.shr_u(q3, 4), a + 96);
    const i4 = dotU5x32(v128.and(q4, m4), v128.and(q5, m4), a + 128);
    const i5 = dotU5x32(i8x16.shr_u(q4, 4), i8x16.shr_u(q5, 4), a + 160);
    const i6 = dotU5x32(v128.and(q6, m4), v128.and(q7, m4), a + 192);
    const i7 = dotU5x32(i8x16.shr_u(q6, 4), i8x16.shr_u(q7, 4), a + 224);
    const sm = kScalesMins(p + 4);
    const d = f32x4.splat(loadF16(p)), dmin = f32x4.splat(loadF16(p + 2));
    const dxA = v128.load(da), dxB = v128.load(da, 16);
    acc = madd(f32x4.convert_i32x4_s(hadd(hadd(i0, i1), hadd(i2, i3))), f32x4.mul(f32x4.mul(bytesToF32(sm, 0), dxA), d), acc);
    acc = madd(f32x4.convert_i32x4_s(hadd(hadd(i4, i5), hadd(i6, i7))), f32x4.mul(f32x4.mul(bytesToF32(sm, 1), dxB), d), acc);
    accMin = madd(f32x4.mul(bytesToF32(sm, 2), dmin), v128.load(sa), accMin);
    accMin = madd(f32x4.mul(bytesToF32(sm, 3), dmin), v128.load(sa, 16), accMin);
  }
  return hsum(acc) - hsum(accMin);
}

// Q5_K (176 bytes): d, dmin, 12 bytes of scales and mins, 32 bytes of fifth bits, 128 bytes of nibbles.
export function rowQ5_K(w: usize, nbk: i32, qs: usize, ds: usize, ss: usize): f32 {
  let acc = f32x4.splat(0);
  let accMin: f32 = 0;
  for (let k = 0; k < nbk; k++) {
    const p = w + <usize>k * 176;
    const d = loadF16(p), dmin = loadF16(p + 2);
    const sc = p + 4;
    const h0 = v128.load(p + 16), h1 = v128.load(p + 32);
    const a = qs + (<usize>k << 8), da = ds + (<usize>k << 5), sa = ss + (<usize>k << 5);
    const m = i8x16.splat(0x0f), one = i8x16.splat(1);
    for (let j = 0; j < 4; j++) {
      const q0 = v128.load(p + 48 + (<usize>j << 5)), q1 = v128.load(p + 64 + (<usize>j << 5));
      const s0 = 2 * j, s1 = 2 * j + 1;
      const lo0 = v128.or(v128.and(q0, m), i8x16.shl(v128.and(i8x16.shr_u(h0, s0), one), 4));
      const lo1 = v128.or(v128.and(q1, m), i8x16.shl(v128.and(i8x16.shr_u(h1, s0), one), 4));
      const hi0 = v128.or(i8x16.shr_u(q0, 4), i8x16.shl(v128.and(i8x16.shr_u(h0, s1), one), 4));
      const hi1 = v128.or(i8x16.shr_u(q1, 4), i8x16.shl(v128.and(i8x16.shr_u(h1, s1), one), 4));
      const iLo = dotU5x32(lo0, lo1, a + (<usize>j << 6));
      const iHi = dotU5x32(hi0, hi1, a + (<usize>j << 6) + 32);
      const dx0 = load<f32>(da + (<usize>s0 << 2)), dx1 = load<f32>(da + (<usize>s1 << 2));
      acc = f32x4.add(acc, f32x4.add(f32Splat(iLo, d * q4kScale(sc, s0) * dx0), f32Splat(iHi, d * q4kScale(sc, s1) * dx1)));
      accMin += dmin * (q4kMin(sc, s0) * load<f32>(sa + (<usize>s0 << 2)) + q4kMin(sc, s1) * load<f32>(sa + (<usize>s1 << 2)));
    }
  }
  return hsum(acc) - accMin;
}

// Q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, d.
export function rowQ6_K(w: usize, nbk: i32, qs: usize, ds: usize, ss: usize): f32 {
  let acc = f32x4.splat(0);
  const m4 = i8x16.splat(0x0f), m2 = i8x16.splat(3), off = i8x16.splat(32);
  for (let k = 0; k < nbk; k++) {
    const p = w + <usize>k * 210;
    const d = loadF16(p + 208);
    for (let n = 0; n < 2; n++) {
      const ql = p + (<usize>n << 6), qh = p + 128 + (<usize>n << 5), sc = p + 192 + (<usize>n << 3);
      const a = qs + (<usize>k << 8) + (<usize>n << 7), da = ds + (<usize>k << 5) + (<usize>n << 4);
      const l0 = v128.load(ql), l1 = v128.load(ql, 16), l2 = v128.load(ql, 32), l3 = v128.load(ql, 48);
      const h0 = v128.load(qh), h1 = v128.load(qh, 16);
      for (let g = 0; g < 4; g++) {
        // group g: low nibbles of ql[0..32] (g = 0), of ql[32..64] (g = 1), high nibbles (g = 2, 3);
        // its 2 high bits are bits 2g, 2g+1 of qh.
        const la = g == 0 ? v128.and(l0, m4) : g == 1 ? v128.and(l2, m4) : g == 2 ? i8x16.shr_u(l0, 4) : i8x16.shr_u(l2, 4);
        const lb = g == 0 ? v128.and(l1, m4) : g == 1 ? v128.and(l3, m4) : g == 2 ? i8x16.shr_u(l1, 4) : i8x16.shr_u(l3, 4);
        const va = i8x16.sub(v128.or(la, i8x16.shl(v128.and(i8x16.shr_u(h0, 2 * g), m2), 4)), off);
        const vb = i8x16.sub(v128.or(lb, i8x16.shl(v128.and(i8x16.shr_u(h1, 2 * g), m2), 4)), off);
        const xa = a + (<usize>g << 5);
        const isum = i32x4.add(
          i32x4.mul(dotS(va, v128.load(xa)), i32x4.splat(<i32>load<i8>(sc + 2 * g))),
          i32x4.mul(dotS(vb, v128.load(xa, 16)), i32x4.splat(<i32>load<i8>(sc + 2 * g + 1))),
        );
        acc = f32x4.add(acc, f32Splat(isum, d * load<f32>(da + (<usize>g << 2))));
      }
    }
  }
  return hsum(acc);
}

// Q2_K (84 bytes): 16 bytes of 4-bit scale|min pairs, 64 bytes of 2-bit values, d, dmin.
export function rowQ2_K(w: usize, nbk: i32, qs: usize, ds: usize, ss: usize): f32 {
  let acc = f32x4.splat(0);
  const m2 = i8x16.splat(3);
  for (let k = 0; k < nbk; k++) {
    const p = w + <usize>k * 84;
    const d = loadF16(p + 80), dmin = loadF16(p + 82);
    for (let n = 0; n < 2; n++) {
      const q0 = v128.load(p + 16 + (<usize>n << 5)), q1 = v128.load(p + 32 + (<usize>n << 5));
      const a = qs + (<usize>k << 8) + (<usize>n << 7), da = ds + (<usize>k << 5) + (<usize>n << 4);
      for (let j = 0; j < 4; j++) {
        const sc0 = <i32>load<u8>(p + (<usize>n << 3) + 2 * j), sc1 = <i32>load<u8>(p + (<usize>n << 3) + 2 * j + 1);
        const xa = v128.load(a + (<usize>j << 5)), xb = v128.load(a + (<usize>j << 5), 16);
        const va = v128.and(i8x16.shr_u(q0, 2 * j), m2), vb = v128.and(i8x16.shr_u(q1, 2 * j), m2);
        const iv = i32x4.add(i32x4.mul(dotS(va, xa), i32x4.splat(sc0 & 0xf)), i32x4.mul(dotS(vb, xb), i32x4.splat(sc1 & 0xf)));
        const mv = i32x4.add(i32x4.mul(sum16(xa), i32x4.splat(sc0 >> 4)), i32x4.mul(sum16(xb), i32x4.splat(sc1 >> 4)));
        const dx = load<f32>(da + (<usize>j << 2));
        acc = f32x4.add(acc, f32x4.sub(f32Splat(iv, d * dx), f32Splat(mv, dmin * dx)));
      }
    }
  }
  return hsum(acc);
}

// Q3_K (110 bytes): 32 bytes of high bits (set = no −4 offset), 64 bytes of 2-bit values, 12 bytes of
// 6-bit scales (stored +32), d.
@inline function q3kScale(s: u32, byte: i32): i32 {
  return <i32>((s >> (8 * byte)) & 0xff) - 32;
}

export function rowQ3_K(w: usize, nbk: i32, qs: usize, ds: usize, ss: usize): f32 {
  let acc = f32x4.splat(0);
  const m2 = i8x16.splat(3), one = i8x16.splat(1), four = i8x16.splat(4);
  for (let k = 0; k < nbk; k++) {
    const p = w + <usize>k * 110;
    const d = loadF16(p + 108);
    const a0 = load<u32>(p + 96), a1 = load<u32>(p + 100), t = load<u32>(p + 104);
    const s0 = (a0 & 0x0f0f0f0f) | ((t & 0x03030303) << 4);
    const s1 = (a1 & 0x0f0f0f0f) | (((t >> 2) & 0x03030303) << 4);
    const s2 = ((a0 >> 4) & 0x0f0f0f0f) | (((t >> 4) & 0x03030303) << 4);
    const s3 = ((a1 >> 4) & 0x0f0f0f0f) | (((t >> 6) & 0x03030303) << 4);
    const hm0 = v128.load(p), hm1 = v128.load(p, 16);
    for (let n = 0; n < 2; n++) {
      const q0 = v128.load(p + 32 + (<usize>n << 5)), q1 = v128.load(p + 48 + (<usize>n << 5));
      const a = qs + (<usize>k << 8) + (<usize>n << 7), da = ds + (<usize>k << 5) + (<usize>n << 4);
      const sA = n == 0 ? s0 : s2, sB = n == 0 ? s1 : s3;
      for (let j = 0; j < 4; j++) {
        const bit = 4 * n + j;
        const va = i8x16.sub(v128.or(v128.and(i8x16.shr_u(q0, 2 * j), m2), i8x16.shl(v128.and(i8x16.shr_u(hm0, bit), one), 2)), four);
        const vb = i8x16.sub(v128.or(v128.and(i8x16.shr_u(q1, 2 * j), m2), i8x16.shl(v128.and(i8x16.shr_u(hm1, bit), one), 2)), four);
        const sv = j < 2 ? sA : sB;
        const scA = q3kScale(sv, (2 * j) & 3), scB = q3kScale(sv, (2 * j + 1) & 3);
        const xa = a + (<usize>j << 5);
        const iv = i32x4.add(i32x4.mul(dotS(va, v128.load(xa)), i32x4.splat(scA)), i32x4.mul(dotS(vb, v128.load(xa, 16)), i32x4.splat(scB)));
        acc = f32x4.add(acc, f32Splat(iv, d * load<f32>(da + (<usize>j << 2))));
      }
    }
  }
  return hsum(acc);
}

// IQ4_XS (136 bytes): d, 16 bits of scale high pairs, 4 bytes of scale low nibbles, 128 bytes of indices
// into the IQ4_NL table.
export function rowIQ4_XS(w: usize, nbk: i32, qs: usize, ds: usize, ss: usize): f32 {
  let acc = f32x4.splat(0);
  const m4 = i8x16.splat(0x0f);
  for (let k = 0; k < nbk; k++) {
    const p = w + <usize>k * 136;
    const d = loadF16(p);
    const sh = <u32>load<u16>(p + 2);
    for (let ib = 0; ib < 8; ib++) {
      const ls = ((<u32>load<u8>(p + 4 + (ib >> 1)) >> (4 * (ib & 1))) & 0xf) | (((sh >> (2 * ib)) & 3) << 4);
      const q = v128.load(p + 8 + (<usize>ib << 4));
      const xa = qs + (<usize>k << 8) + (<usize>ib << 5);
      const lo = i8x16.swizzle(IQ4NL_TABLE, v128.and(q, m4)), hi = i8x16.swizzle(IQ4NL_TABLE, i8x16.shr_u(q, 4));
      const iv = i32x4.add(dotS(lo, v128.load(xa)), dotS(hi, v128.load(xa, 16)));
      acc = f32x4.add(acc, f32Splat(iv, d * <f32>(<i32>ls - 32) * load<f32>(ds + (<usize>k << 5) + (<usize>ib << 2))));
    }
  }
  return hsum(acc);
}
