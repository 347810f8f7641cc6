// Integer dot products of 16 weight bytes with 16 activation bytes, giving four i32 partial sums.

// Signed weights (|w| ≤ 128) times activations (|a| ≤ 127): two products per i16 lane stay below 2^15.
@inline export function dotS(w: v128, a: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_s(i16x8.add(i16x8.extmul_low_i8x16_s(w, a), i16x8.extmul_high_i8x16_s(w, a)));
}

// Sums of products of small unsigned weights (0 ≤ w ≤ 31) with activations, as eight i16 lanes (each the sum
// of two products). With relaxed SIMD this is one instruction (i16x8.relaxed_dot_i8x16_i7x16_s, pmaddubsw on
// x86). Note: Node 20's i32x4.relaxed_dot_i8x16_i7x16_add_s returns twice the sum, so it is not used.
@inline export function pairsU5(w: v128, a: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return i16x8.relaxed_dot_i8x16_i7x16_s(a, w);
  } else {
    return i16x8.add(i16x8.extmul_low_i8x16_s(w, a), i16x8.extmul_high_i8x16_s(w, a));
  }
}

// Dot of 32 small unsigned weights (lo, hi) with 32 activations at `a`: four lanes ≤ 4·31·127 in i16 first.
@inline export function dotU5x32(lo: v128, hi: v128, a: usize): v128 {
  return i32x4.extadd_pairwise_i16x8_s(i16x8.add(pairsU5(lo, v128.load(a)), pairsU5(hi, v128.load(a, 16))));
}

// Multiply-add of floats: fused where relaxed SIMD allows.
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// Bits [s, s + width) of every byte, mask = 2^width − 1, s + width ≤ 8: one 16-bit shift, then the mask clears what
// came in from the neighbouring byte. x86 has no byte shift: V8 builds i8x16.shr_u from a 16-bit shift and a mask
// it materializes each time (three more instructions), or, with a shift count not known when compiling, from an
// unpack, two shifts and a pack.
@inline export function byteField(x: v128, s: i32, mask: i32): v128 {
  return v128.and(i16x8.shr_u(x, s), i8x16.splat(<i8>mask));
}

// Every byte shifted left by s, for bytes below 2^(8 − s) (no bit crosses into the next byte): one 16-bit shift.
@inline export function shlSmallBytes(x: v128, s: i32): v128 {
  return i16x8.shl(x, s);
}

// The 16 bits of `bits16` (low 16 bits) spread to bytes: byte j = 0x10 when bit j is set, else 0.
// Used to add the fifth bit of Q5 types.
@inline export function spreadBits16(bits16: u32): v128 {
  const v = i8x16.swizzle(i32x4.splat(bits16), i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const mask = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  return v128.and(i8x16.eq(v128.and(v, mask), mask), i8x16.splat(0x10));
}

// Pairwise sums of adjacent i32 lanes: [x0+x1, x2+x3, y0+y1, y2+y3]; applied twice it reduces four vectors to
// their four totals.
@inline export function hadd(x: v128, y: v128): v128 {
  return i32x4.add(v128.shuffle<i32>(x, y, 0, 2, 4, 6), v128.shuffle<i32>(x, y, 1, 3, 5, 7));
}

// Bytes of v at indices idx, all in 0…15 (pshufb alone with relaxed SIMD).
@inline export function swizzleIn(v: v128, idx: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return i8x16.relaxed_swizzle(v, idx);
  } else {
    return i8x16.swizzle(v, idx);
  }
}

// Pair sums of w · x for signed w (|w| ≤ 127) and x = ±u (u = |x| ≤ 127, m its sign mask): (±w) · u, one pmaddubsw
// with relaxed SIMD; widened products otherwise. Each lane ≤ 2·127·127.
@inline export function signedDot(w: v128, u: v128, m: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return i16x8.relaxed_dot_i8x16_i7x16_s(i8x16.sub(v128.xor(w, m), m), u);
  } else {
    const x = i8x16.sub(v128.xor(u, m), m);
    return i16x8.add(i16x8.extmul_low_i8x16_s(w, x), i16x8.extmul_high_i8x16_s(w, x));
  }
}
