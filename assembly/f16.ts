// IEEE half → float conversions. x86 takes a microcode assist (over a hundred cycles) for a float multiply with a
// subnormal input, so the conversions of scales never multiply one: normal halves get their exponent rebased by an
// integer addition, zero and subnormal halves are their mantissa as an integer × 2^-24 (exact). That matters: the
// super-block scales of Q6_K and IQ4_XS are subnormal halves in nearly every block of real models (stories-7m's
// Q6_K: 95–99 % of its blocks), and the old magic multiply (bits × 2^112) took an assist on each of them.
// Inf/NaN, absent from weights and scales, come out as finite values (65536 and up), as before.
const HALF_SUB_SCALE: f32 = reinterpret<f32>(0x33800000); // 2^-24
const HALF_REBASE_BITS: i32 = 0x38000000; // (127 − 15) << 23
const HALF_RESCALE: f32 = reinterpret<f32>(0x77800000); // 2^112

@inline export function f16ToF32(h: u32): f32 {
  const mag = (h & 0x7c00) != 0 ? reinterpret<f32>(((h & 0x7fff) << 13) + HALF_REBASE_BITS) : <f32>(h & 0x3ff) * HALF_SUB_SCALE;
  return reinterpret<f32>(reinterpret<u32>(mag) | ((h & 0x8000) << 16));
}

@inline export function loadF16(p: usize): f32 {
  return f16ToF32(<u32>load<u16>(p));
}

// The magnitudes (15 low bits, in i32 lanes) of four halves → four non-negative floats, as f16ToF32.
@inline function halfMagnitudes(mag: v128): v128 {
  const normal = i32x4.add(i32x4.shl(mag, 13), i32x4.splat(HALF_REBASE_BITS));
  const small = f32x4.mul(f32x4.convert_i32x4_s(mag), f32x4.splat(HALF_SUB_SCALE));
  return v128.bitselect(small, normal, i32x4.lt_s(mag, i32x4.splat(0x400)));
}

// Four halves (the low 64 bits of `h` widened to u32 lanes) → four floats.
@inline export function f16x4ToF32x4(h32: v128): v128 {
  return v128.or(halfMagnitudes(v128.and(h32, i32x4.splat(0x7fff))), i32x4.shl(v128.and(h32, i32x4.splat(0x8000)), 16));
}

// Four halves sign-extended to i32 lanes → four floats (the sign already in bit 31).
@inline export function f16sx4ToF32x4(h32: v128): v128 {
  return v128.or(halfMagnitudes(v128.and(h32, i32x4.splat(0x7fff))), v128.and(h32, i32x4.splat(0x80000000)));
}

// Four halves sign-extended to i32 lanes → four floats in three operations, for values read by the thousand (the
// f16 KV cache): shifted into float position, the half's sign lands in bit 31 (its copies in bits 28–30 are
// cleared), exponent and mantissa below; × 2^112 rebiases the exponent (normals and subnormals exactly, a subnormal
// at the cost of an assist: rare in keys and values).
@inline export function f16sx4ToF32x4Fast(h32: v128): v128 {
  return f32x4.mul(v128.and(i32x4.shl(h32, 13), i32x4.splat(0x8fffffff)), f32x4.splat(HALF_RESCALE));
}

// Lane i = Σ of the four lanes of c_i (four horizontal sums at once).
@inline export function hsum4x4(c0: v128, c1: v128, c2: v128, c3: v128): v128 {
  const t01 = f32x4.add(v128.shuffle<f32>(c0, c1, 0, 2, 4, 6), v128.shuffle<f32>(c0, c1, 1, 3, 5, 7));
  const t23 = f32x4.add(v128.shuffle<f32>(c2, c3, 0, 2, 4, 6), v128.shuffle<f32>(c2, c3, 1, 3, 5, 7));
  return f32x4.add(v128.shuffle<f32>(t01, t23, 0, 2, 4, 6), v128.shuffle<f32>(t01, t23, 1, 3, 5, 7));
}

// Largest of four floats.
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// Horizontal sum of four floats.
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// float → nearest half (round-to-nearest-even, as F16C's vcvtps2ph) → float: ggml's fp32→fp16 bit recipe
// (scale the magnitude so the float adder rounds at half precision) for the finite values activations take.
@inline export function roundToF16(f: f32): f32 {
  return f16ToF32(f32ToF16Bits(f));
}

// Four halves at p → four floats by the three-operation conversion (the f16 KV cache's keys and values).
@inline export function loadF16x4(p: usize): v128 {
  return f16sx4ToF32x4Fast(i32x4.extend_low_i16x8_s(v128.load64_zero(p)));
}

// float → half bits, round-to-nearest-even: ggml's GGML_FP32_TO_FP16 bit recipe as src/quant/half.ts's f32ToF16
// (NaN → 0x7e00 with the sign kept, overflow → ±Inf).
@inline export function f32ToF16Bits(f: f32): u32 {
  let base = (abs(f) * reinterpret<f32>(0x77800000)) * reinterpret<f32>(0x08800000);
  const w = reinterpret<u32>(f);
  const shl1w = w + w;
  let bias = shl1w & 0xff000000;
  if (bias < 0x71000000) bias = 0x71000000;
  base = reinterpret<f32>((bias >> 1) + 0x07800000) + base;
  const bits = reinterpret<u32>(base);
  const nonsign = ((bits >> 13) & 0x7c00) + (bits & 0x0fff);
  return ((w >> 16) & 0x8000) | (shl1w > 0xff000000 ? 0x7e00 : nonsign);
}
