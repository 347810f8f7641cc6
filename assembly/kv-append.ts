import { f32ToF16Bits } from "./f16";

// Writes the K and V rows of tokens [r0, r1) into their cache slots, in the cache's type: f32 copied, f16 rounded
// to nearest even (as kernels/ref/kv-rows.ts's writeKvRow, the reference). k, v: [nTokens, kvDim] floats;
// slots: [nTokens] i32; kind: 0 f32, 1 f16.

export function kvAppend(kCache: usize, vCache: usize, k: usize, v: usize, slots: usize, kvDim: i32, kind: i32, unused: i32, r0: i32, r1: i32): void {
  const n = <usize>kvDim;
  for (let t = r0; t < r1; t++) {
    const slot = <usize>load<i32>(slots + (<usize>t << 2));
    const src = <usize>t * n << 2;
    if (kind == 0) {
      memory.copy(kCache + (slot * n << 2), k + src, n << 2);
      memory.copy(vCache + (slot * n << 2), v + src, n << 2);
    } else {
      const kd = kCache + (slot * n << 1), vd = vCache + (slot * n << 1);
      for (let i: usize = 0; i < n; i++) {
        store<u16>(kd + (i << 1), <u16>f32ToF16Bits(load<f32>(k + src + (i << 2))));
        store<u16>(vd + (i << 1), <u16>f32ToF16Bits(load<f32>(v + src + (i << 2))));
      }
    }
  }
}
