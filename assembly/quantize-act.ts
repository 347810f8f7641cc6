import { roundToF16 } from "./f16";

// Activations are quantized once per product to 8 bits, as llama.cpp's CPU backend does for its integer dot
// products: blocks of 32 with a half-precision scale for the 32-value weight types (ggml's quantize_row_q8_0,
// x86 path: id = 127/absmax, round to nearest even), blocks of 256 for the K-quants (quantize_row_q8_K_ref).
// Both quantize tokens [t0, t1) (the thread pool's range; `unused` pads the argument list to the pool's six).

// Q8_0 layout for nTokens rows of `cols` values (cols a multiple of 32): qs [nTokens, cols] i8,
// ds [nTokens, cols/32] f32 = the block's f16 scale, ss [nTokens, cols/32] f32 = scale · Σ qs (weight minima).
export function quantizeQ8(x: usize, cols: i32, qs: usize, ds: usize, ss: usize, unused: i32, t0: i32, t1: i32): void {
  const nb = cols >> 5;
  for (let t = t0; t < t1; t++) {
    const xr = x + (<usize>t * <usize>cols << 2);
    const qr = qs + <usize>t * <usize>cols;
    for (let b = 0; b < nb; b++) {
      const p = xr + (<usize>b << 7);
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      const v4 = v128.load(p, 64), v5 = v128.load(p, 80), v6 = v128.load(p, 96), v7 = v128.load(p, 112);
      let m = f32x4.max(f32x4.max(f32x4.abs(v0), f32x4.abs(v1)), f32x4.max(f32x4.abs(v2), f32x4.abs(v3)));
      m = f32x4.max(m, f32x4.max(f32x4.max(f32x4.abs(v4), f32x4.abs(v5)), f32x4.max(f32x4.abs(v6), f32x4.abs(v7))));
      const amax = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
      const d = roundToF16(amax / 127);
      const id = f32x4.splat(amax != 0 ? 127 / amax : 0);
      const qa = i8x16.narrow_i16x8_s(
        i16x8.narrow_i32x4_s(quant4(v0, id), quant4(v1, id)), i16x8.narrow_i32x4_s(quant4(v2, id), quant4(v3, id)));
      const qb = i8x16.narrow_i16x8_s(
        i16x8.narrow_i32x4_s(quant4(v4, id), quant4(v5, id)), i16x8.narrow_i32x4_s(quant4(v6, id), quant4(v7, id)));
      const qo = qr + (<usize>b << 5);
      v128.store(qo, qa);
      v128.store(qo, qb, 16);
      const o = (<usize>t * <usize>nb + <usize>b) << 2;
      store<f32>(ds + o, d);
      store<f32>(ss + o, d * <f32>(sum16(qa) + sum16(qb)));
    }
  }
}

// Q8_K layout (cols a multiple of 256): qs [nTokens, cols] i8, ds [nTokens, cols/256] f32 = 1/iscale,
// ss [nTokens, cols/16] i16 = Σ qs of each 16 (ggml's bsums). iscale = −127 / (the first value of largest
// magnitude), so that value maps to −127; q = min(127, nearest(iscale · x)).
export function quantizeQ8K(x: usize, cols: i32, qs: usize, ds: usize, ss: usize, unused: i32, t0: i32, t1: i32): void {
  const nb = cols >> 8;
  for (let t = t0; t < t1; t++) {
    const xr = x + (<usize>t * <usize>cols << 2);
    const qr = qs + <usize>t * <usize>cols;
    for (let b = 0; b < nb; b++) {
      const p = xr + (<usize>b << 10);
      let m = f32x4.splat(0);
      for (let i: usize = 0; i < 1024; i += 16) m = f32x4.max(m, f32x4.abs(v128.load(p + i)));
      const amax = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
      const qo = qr + (<usize>b << 8);
      const so = ss + ((<usize>t * <usize>nb + <usize>b) << 5);
      const dOut = ds + ((<usize>t * <usize>nb + <usize>b) << 2);
      if (amax == 0) {
        memory.fill(qo, 0, 256);
        memory.fill(so, 0, 32);
        store<f32>(dOut, 0);
        continue;
      }
      // The first element whose magnitude is amax gives the sign.
      const am = f32x4.splat(amax);
      let first: usize = 0;
      while (first < 64 && !v128.any_true(f32x4.eq(f32x4.abs(v128.load(p + (first << 4))), am))) first++;
      // (none only when amax is NaN: then the block's values are NaN too, as in ggml)
      const lanes = first < 64 ? i32x4.bitmask(f32x4.eq(f32x4.abs(v128.load(p + (first << 4))), am)) : 0;
      const maxv = first < 64 ? load<f32>(p + (first << 4) + (<usize>ctz(lanes) << 2)) : amax;
      const iscale: f32 = -127 / maxv;
      const is = f32x4.splat(iscale);
      for (let g: usize = 0; g < 16; g++) {
        const v = p + (g << 6);
        const q = i8x16.narrow_i16x8_s(
          i16x8.narrow_i32x4_s(quant4(v128.load(v), is), quant4(v128.load(v, 16), is)),
          i16x8.narrow_i32x4_s(quant4(v128.load(v, 32), is), quant4(v128.load(v, 48), is)));
        v128.store(qo + (g << 4), q);
        store<i16>(so + (g << 1), <i16>sum16(q));
      }
      store<f32>(dOut, 1 / iscale);
    }
  }
}

// Four floats times the inverse scale, rounded to nearest even, as i32 lanes.
@inline function quant4(v: v128, id: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v, id)));
}

// Σ of the 16 signed bytes of q.
@inline function sum16(q: v128): i32 {
  const s = i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(q));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}
