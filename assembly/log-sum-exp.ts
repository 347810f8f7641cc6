import { exp4 } from "./activation";
import { hmax } from "./f16";

// log Σ exp(x[i]) over a row of f32 logits (the log-softmax denominator of the server's per-token logprobs,
// src/sampling/logprobs.ts): the maximum with four-wide compares, then e^(x[i] − max) four at a time in float32
// (activation.ts's exp4, about 1 ulp) summed in float64 pairs. The result is within ~2e-7 of the exact value, the
// precision of a float32 log-softmax as transformers computes it (the TypeScript version is float64 throughout and
// 4–6× slower). Differences below −87.3 count as e^−87.3 (under 1e-37 each, nothing next to the maximum's 1).
// NaN anywhere gives NaN, as does +∞; a row of −∞ gives −∞.
export function logSumExp(x: usize, n: i32): f64 {
  if (n <= 0) return -Infinity;
  // The maximum by compare-and-select (pmax semantics; NaN lanes are caught by `nan`), two chains.
  let mv = f32x4.splat(-Infinity), mw = mv;
  let nan = i32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(x + (<usize>i << 2)), w = v128.load(x + (<usize>i << 2), 16);
    mv = f32x4.pmax(mv, v);
    mw = f32x4.pmax(mw, w);
    nan = v128.or(nan, v128.or(f32x4.ne(v, v), f32x4.ne(w, w)));
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    mv = f32x4.pmax(mv, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  if (v128.any_true(nan)) return NaN;
  mv = f32x4.pmax(mv, mw);
  let m = hmax(mv);
  for (let j = i; j < n; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    if (v != v) return NaN;
    if (v > m) m = v;
  }
  if (m == -Infinity) return -Infinity;
  if (m == Infinity) return NaN;
  const mm = f32x4.splat(m);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  for (i = 0; i + 4 <= n; i += 4) {
    const e = exp4(f32x4.sub(v128.load(x + (<usize>i << 2)), mm));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 0, 1)));
  }
  let sum = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
  for (; i < n; i++) {
    const e = exp4(f32x4.splat(load<f32>(x + (<usize>i << 2)) - m));
    sum += <f64>f32x4.extract_lane(e, 0);
  }
  return <f64>m + Math.log(sum);
}
