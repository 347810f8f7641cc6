// Activations are quantized once per product to 8-bit blocks of 32 (like ggml's quantize_row_q8_0, but with
// an f32 scale for accuracy) so the weight types below take integer dot products, as llama.cpp's vec_dot does.
// Quantizes tokens [t0, t1) (the thread pool's range; `unused` pads the argument list to the pool's six).
// Layout for nTokens rows of `cols` values (cols a multiple of 32): qs [nTokens, cols] i8,
// ds [nTokens, cols/32] f32 scale, ss [nTokens, cols/32] f32 = scale · Σ qs of the block (for weight minima).

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
      const d: f32 = amax / 127;
      const id = f32x4.splat(d != 0 ? 1 / d : 0);
      const q01 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v0, id))), i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v1, id))));
      const q23 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v2, id))), i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v3, id))));
      const q45 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v4, id))), i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v5, id))));
      const q67 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v6, id))), i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v7, id))));
      const qa = i8x16.narrow_i16x8_s(q01, q23);
      const qb = i8x16.narrow_i16x8_s(q45, q67);
      const qo = qr + (<usize>b << 5);
      v128.store(qo, qa);
      v128.store(qo, qb, 16);
      const s = i32x4.add(i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(qa)), i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(qb)));
      const sum = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
      const o = (<usize>t * <usize>nb + <usize>b) << 2;
      store<f32>(ds + o, d);
      store<f32>(ss + o, d * <f32>sum);
    }
  }
}
