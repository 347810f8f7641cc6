// RMSNorm rows (kernels/ref/norms.ts refRmsNorm): the mean of squares accumulated in f64 as the reference does,
// then x · (1/√(mean + eps)) · g with g = w, 1 + w (Gemma) or 1. flags: bit 0 = has w, bit 1 = add one.
// eps arrives as its f32 bits (the pool's arguments are i32). Rows [r0, r1) of n values.
export function rmsNorm(out: usize, x: usize, w: usize, n: i32, flags: i32, epsBits: i32, r0: i32, r1: i32): void {
  const eps = <f64>reinterpret<f32>(epsBits);
  const hasW = (flags & 1) != 0, addOne = (flags & 2) != 0;
  const n4 = n & ~3;
  const one = f32x4.splat(addOne ? 1 : 0);
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>r * <usize>n << 2), or = out + (<usize>r * <usize>n << 2);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let i = 0;
    for (; i < n4; i += 4) {
      const v = v128.load(xr + (<usize>i << 2));
      const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      s0 = f64x2.add(s0, f64x2.mul(lo, lo));
      s1 = f64x2.add(s1, f64x2.mul(hi, hi));
    }
    let ss = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
    for (; i < n; i++) {
      const v = <f64>load<f32>(xr + (<usize>i << 2));
      ss += v * v;
    }
    const inv = <f32>(1 / Math.sqrt(ss / <f64>n + eps));
    const iv = f32x4.splat(inv);
    i = 0;
    if (hasW) {
      for (; i < n4; i += 4) {
        const b = <usize>i << 2;
        v128.store(or + b, f32x4.mul(f32x4.mul(v128.load(xr + b), iv), f32x4.add(v128.load(w + b), one)));
      }
      for (; i < n; i++) {
        const b = <usize>i << 2;
        store<f32>(or + b, load<f32>(xr + b) * inv * (load<f32>(w + b) + (addOne ? <f32>1 : <f32>0)));
      }
    } else {
      for (; i < n4; i += 4) v128.store(or + (<usize>i << 2), f32x4.mul(v128.load(xr + (<usize>i << 2)), iv));
      for (; i < n; i++) store<f32>(or + (<usize>i << 2), load<f32>(xr + (<usize>i << 2)) * inv);
    }
  }
}
