// Activations on four floats at a time: SiLU x·σ(x) and GELU's tanh form, over an exponential evaluated as
// Cephes' expf does (x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r, then 2^n by exponent bits;
// about 1 ulp). Inputs are clamped to [-87.3, 88.3], where e^x stays a normal float. With relaxed SIMD the clamp and
// the float → int conversion are single minps/maxps/cvttps2dq instead of the NaN- and saturation-exact sequences (glu
// 1.6–1.7×): the same results for every non-NaN input, as n is integral and in range (a NaN may clamp to a bound
// instead of staying NaN; SiLU/GELU still return NaN through their factor x).

const ACT_SILU = 0;
const ACT_GELU = 1;

@inline export function exp4(x: v128): v128 {
  let xc = x;
  if (ASC_FEATURE_RELAXED_SIMD) {
    xc = f32x4.relaxed_max(f32x4.relaxed_min(x, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447505531));
  } else {
    xc = f32x4.max(f32x4.min(x, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447505531));
  }
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, r), r), f32x4.add(r, f32x4.splat(1)));
  let ni = n;
  if (ASC_FEATURE_RELAXED_SIMD) {
    ni = i32x4.relaxed_trunc_f32x4_s(n);
  } else {
    ni = i32x4.trunc_sat_f32x4_s(n);
  }
  const scale = i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// silu(x) = x / (1 + e^-x); gelu(x) = x · (1 − 1 / (1 + e^(2y))), y = √(2/π)·(x + 0.044715·x³), i.e.
// 0.5·x·(1 + tanh y).
@inline function act4(kind: i32, x: v128): v128 {
  const one = f32x4.splat(1);
  if (kind == ACT_SILU) return f32x4.div(x, f32x4.add(one, exp4(f32x4.neg(x))));
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  const y2 = f32x4.mul(f32x4.splat(1.5957691216057308), f32x4.add(x, f32x4.mul(f32x4.splat(0.044715), x3)));
  return f32x4.mul(x, f32x4.sub(one, f32x4.div(one, f32x4.add(one, exp4(y2)))));
}

@inline function act1(kind: i32, v: f32): f32 {
  return f32x4.extract_lane(act4(kind, f32x4.splat(v)), 0);
}

// out[r, i] = act(gate[r·stride + i]) · up[r·stride + i] for rows [r0, r1), i < n.
export function glu(out: usize, gate: usize, up: usize, n: i32, stride: i32, kind: i32, r0: i32, r1: i32): void {
  const n4 = n & ~3;
  for (let r = r0; r < r1; r++) {
    const g = gate + (<usize>r * <usize>stride << 2), u = up + (<usize>r * <usize>stride << 2);
    const o = out + (<usize>r * <usize>n << 2);
    let i = 0;
    if (kind == ACT_SILU) {
      for (; i < n4; i += 4) {
        const b = <usize>i << 2;
        v128.store(o + b, f32x4.mul(act4(ACT_SILU, v128.load(g + b)), v128.load(u + b)));
      }
    } else {
      for (; i < n4; i += 4) {
        const b = <usize>i << 2;
        v128.store(o + b, f32x4.mul(act4(ACT_GELU, v128.load(g + b)), v128.load(u + b)));
      }
    }
    for (; i < n; i++) {
      const b = <usize>i << 2;
      store<f32>(o + b, act1(kind, load<f32>(g + b)) * load<f32>(u + b));
    }
  }
}

// x[i] = act(x[i]) for i in [i0, i1).
export function activate(x: usize, kind: i32, u2: i32, u3: i32, u4: i32, u5: i32, i0: i32, i1: i32): void {
  let i = i0;
  if (kind == ACT_SILU) {
    for (; i + 4 <= i1; i += 4) v128.store(x + (<usize>i << 2), act4(ACT_SILU, v128.load(x + (<usize>i << 2))));
  } else {
    for (; i + 4 <= i1; i += 4) v128.store(x + (<usize>i << 2), act4(ACT_GELU, v128.load(x + (<usize>i << 2))));
  }
  for (; i < i1; i++) store<f32>(x + (<usize>i << 2), act1(kind, load<f32>(x + (<usize>i << 2))));
}
