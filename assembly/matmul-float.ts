import { f16ToF32, hsum } from "./f16";
import { madd } from "./int-dot";

// Products of float weights (F32, F16, BF16) with f32 activations x [nTokens, cols]; any cols (scalar tail).
// Four tokens per pass over a weight row so each converted weight vector is used four times (prefill, and a
// batch of decoding sequences). An 8-token pass measured no faster on V8 11.3 (Node 20) than two 4-token passes
// (bench/results/bench-serve-stories-7m.md), so the simpler form stays.

const KIND_F32 = 0;
const KIND_F16 = 1;
const KIND_BF16 = 2;

@inline function elemBytes(kind: i32): usize {
  return kind == KIND_F32 ? 4 : 2;
}

// F16 → F32 in four lanes in fewer operations than f16x4ToF32x4 (two constants, no OR; the product took 0.81–0.87×
// the time for one token, 0.9× for four, same results bit for bit): the half in the top 16 bits, an arithmetic shift by 3 puts exponent and mantissa in float position (copying
// the sign into the three bits the mask clears), and × 2^112 rebases the exponent: exact for normals and
// subnormals (Inf/NaN, absent from weights, come out finite, as with f16x4ToF32x4).
const F16_KEEP = 0x8fffe000;
const F16_REBASE: f32 = reinterpret<f32>(0x77800000); // 2^112

@inline function load4(kind: i32, p: usize): v128 {
  if (kind == KIND_F32) return v128.load(p);
  const hi = i32x4.shl(i32x4.extend_low_i16x8_u(v128.load64_zero(p)), 16);
  if (kind == KIND_F16) return f32x4.mul(v128.and(i32x4.shr_s(hi, 3), i32x4.splat(F16_KEEP)), f32x4.splat(F16_REBASE));
  return hi;
}

@inline function load1(kind: i32, p: usize): f32 {
  if (kind == KIND_F32) return load<f32>(p);
  if (kind == KIND_F16) return f16ToF32(<u32>load<u16>(p));
  return reinterpret<f32>(<u32>load<u16>(p) << 16);
}

@inline function matmulFloat(kind: i32, w: usize, x: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  const eb = elemBytes(kind);
  const rowBytes = <usize>cols * eb;
  const xs = <usize>cols << 2;
  const ob = <usize>rows << 2;
  const c4 = cols & ~3;
  let t = 0;
  for (; t + 4 <= nTokens; t += 4) {
    const x0 = x + <usize>t * xs;
    for (let r = r0; r < r1; r++) {
      const wr = w + <usize>r * rowBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let i = 0;
      for (; i < c4; i += 4) {
        const wv = load4(kind, wr + <usize>i * eb);
        const xi = x0 + (<usize>i << 2);
        a0 = madd(wv, v128.load(xi), a0);
        a1 = madd(wv, v128.load(xi + xs), a1);
        a2 = madd(wv, v128.load(xi + 2 * xs), a2);
        a3 = madd(wv, v128.load(xi + 3 * xs), a3);
      }
      let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
      for (; i < cols; i++) {
        const wv = load1(kind, wr + <usize>i * eb);
        const xi = x0 + (<usize>i << 2);
        s0 += wv * load<f32>(xi);
        s1 += wv * load<f32>(xi + xs);
        s2 += wv * load<f32>(xi + 2 * xs);
        s3 += wv * load<f32>(xi + 3 * xs);
      }
      const o = out + <usize>t * ob + (<usize>r << 2);
      store<f32>(o, s0);
      store<f32>(o + ob, s1);
      store<f32>(o + 2 * ob, s2);
      store<f32>(o + 3 * ob, s3);
    }
  }
  for (; t < nTokens; t++) {
    const x0 = x + <usize>t * xs;
    for (let r = r0; r < r1; r++) {
      const wr = w + <usize>r * rowBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
      let i = 0;
      for (; i + 8 <= cols; i += 8) {
        const xi = x0 + (<usize>i << 2);
        a0 = madd(load4(kind, wr + <usize>i * eb), v128.load(xi), a0);
        a1 = madd(load4(kind, wr + <usize>(i + 4) * eb), v128.load(xi, 16), a1);
      }
      let s = hsum(f32x4.add(a0, a1));
      for (; i < cols; i++) s += load1(kind, wr + <usize>i * eb) * load<f32>(x0 + (<usize>i << 2));
      store<f32>(out + <usize>t * ob + (<usize>r << 2), s);
    }
  }
}

export function matmulF32(w: usize, x: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulFloat(KIND_F32, w, x, out, rows, cols, nTokens, r0, r1);
}
export function matmulF16(w: usize, x: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulFloat(KIND_F16, w, x, out, rows, cols, nTokens, r0, r1);
}
export function matmulBF16(w: usize, x: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulFloat(KIND_BF16, w, x, out, rows, cols, nTokens, r0, r1);
}
