import { f16x4ToF32x4, loadF16 } from "./f16";
import { dotS, dotU5x32, spreadBits16 } from "./int-dot";

// The 32-value block types: their layouts and the unpacking of one block's weights to bytes. A block is read
// through two pointers: `q` at its quants, `d` at its f16 scale (the minimum, where the type has one, at d + 2;
// Q5's fifth bits at q − 4). In ggml's layout d is the block's start; in the row-interleaved layout
// (matmul-q32-packed.ts) the scales of four rows sit together, apart from their quants.

export const KIND_Q8_0 = 0;
export const KIND_Q4_0 = 1;
export const KIND_Q4_1 = 2;
export const KIND_Q5_0 = 3;
export const KIND_Q5_1 = 4;
export const KIND_IQ4_NL = 5;

// ggml-common.h kvalues_iq4nl
const IQ4NL_TABLE: v128 = i8x16(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);

@inline export function blockBytes(kind: i32): usize {
  return kind == KIND_Q8_0 ? 34 : kind == KIND_Q4_0 ? 18 : kind == KIND_Q4_1 ? 20 : kind == KIND_Q5_0 ? 22 : kind == KIND_Q5_1 ? 24 : 18;
}

// Where the quants start in a ggml block.
@inline export function quantsOffset(kind: i32): usize {
  return kind == KIND_Q4_1 ? 4 : kind == KIND_Q5_0 ? 6 : kind == KIND_Q5_1 ? 8 : 2;
}

@inline export function isSigned(kind: i32): bool {
  return kind == KIND_Q8_0 || kind == KIND_IQ4_NL;
}

@inline export function hasMin(kind: i32): bool {
  return kind == KIND_Q4_0 || kind == KIND_Q4_1 || kind == KIND_Q5_0 || kind == KIND_Q5_1;
}

@inline function lowNibbles(v: v128): v128 {
  return v128.and(v, i8x16.splat(0x0f));
}

// High nibbles by a 16-bit shift and a mask (x86 has no 8-bit shift).
@inline function highNibbles(v: v128): v128 {
  return v128.and(i16x8.shr_u(v, 4), i8x16.splat(0x0f));
}

// Weights 0..15 of the block as bytes (unsigned codes for the offset types, values for the signed ones).
@inline export function weightLo(kind: i32, q: usize): v128 {
  if (kind == KIND_Q8_0) return v128.load(q);
  if (kind == KIND_Q4_0 || kind == KIND_Q4_1) return lowNibbles(v128.load(q));
  if (kind == KIND_Q5_0 || kind == KIND_Q5_1) return v128.or(lowNibbles(v128.load(q)), spreadBits16(<u32>load<u16>(q - 4)));
  return i8x16.swizzle(IQ4NL_TABLE, lowNibbles(v128.load(q)));
}

// Weights 16..31.
@inline export function weightHi(kind: i32, q: usize): v128 {
  if (kind == KIND_Q8_0) return v128.load(q, 16);
  if (kind == KIND_Q4_0 || kind == KIND_Q4_1) return highNibbles(v128.load(q));
  if (kind == KIND_Q5_0 || kind == KIND_Q5_1) return v128.or(highNibbles(v128.load(q)), spreadBits16(<u32>load<u16>(q - 2)));
  return i8x16.swizzle(IQ4NL_TABLE, highNibbles(v128.load(q)));
}

// The block's minimum (what a code of 0 stands for, over the scale's unit).
@inline export function weightMin(kind: i32, d: usize, dv: f32): f32 {
  if (kind == KIND_Q4_0) return -8 * dv;
  if (kind == KIND_Q5_0) return -16 * dv;
  return loadF16(d + 2);
}

// Integer dot of a block's 32 weights with 32 activation bytes at `a`, as four partial sums.
@inline export function blockDot(kind: i32, lo: v128, hi: v128, a: usize): v128 {
  if (isSigned(kind)) return i32x4.add(dotS(lo, v128.load(a)), dotS(hi, v128.load(a, 16)));
  return dotU5x32(lo, hi, a);
}

// The f16 at byte `off` past `d` of four consecutive blocks `stride` bytes apart, as four floats.
@inline export function halves4(d: usize, stride: usize, off: usize): v128 {
  // The four halves straight into the even 16-bit lanes (the odd ones stay zero): i32 lanes holding each half.
  let h = v128.load16_lane(d + off, i32x4.splat(0), 0);
  h = v128.load16_lane(d + stride + off, h, 2);
  h = v128.load16_lane(d + 2 * stride + off, h, 4);
  return f16x4ToF32x4(v128.load16_lane(d + 3 * stride + off, h, 6));
}

// Four blocks' minima; `dv` their scales.
@inline export function minOf4(kind: i32, d: usize, stride: usize, dv: v128): v128 {
  if (kind == KIND_Q4_0) return f32x4.mul(dv, f32x4.splat(-8));
  if (kind == KIND_Q5_0) return f32x4.mul(dv, f32x4.splat(-16));
  return halves4(d, stride, 2);
}
