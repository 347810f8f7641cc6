import { f16x4ToF32x4, f16ToF32, hsum } from "./f16";
import { madd } from "./int-dot";

// Products of float weights (F32, F16, BF16) with f32 activations x [nTokens, cols]; any cols (scalar tail).
// Four tokens per pass over a weight row so each converted weight vector is used four times (prefill).

const KIND_F32 = 0;
const KIND_F16 = 1;
const KIND_BF16 = 2;

@inline function elemBytes(kind: i32): usize {
  return kind == KIND_F32 ? 4 : 2;
}

@inline function load4(kind: i32, p: usize): v128 {
  if (kind == KIND_F32) return v128.load(p);
  const h = i32x4.extend_low_i16x8_u(v128.load64_zero(p));
  if (kind == KIND_F16) return f16x4ToF32x4(h);
  return i32x4.shl(h, 16);
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
