// Token embedding lookup for float matrices: rows ids[t] of w [rows, cols] (kind 0 f32, 1 f16, 2 bf16) → out
// [nTokens, cols] as f32, on the calling thread. Exactly the values of kernels/ref/row-decoder.ts: f16 subnormals,
// infinities and NaN included (the matmuls' faster conversions leave Inf/NaN finite; a lookup is cheap enough to be
// exact), and the subnormal halves split out of F16 rows at load written back from their lists (f16-subnormals.ts;
// `sparse` 0 when there are none). The caller checks the ids against the row count.

import { f16x4ToF32x4 } from "./f16";
import { S_COL_OF, S_ROW_START, S_VALUES } from "./f16-subnormals";

const KIND_F32 = 0;
const KIND_F16 = 1;

// Four halves zero-extended to u32 lanes → floats: f16.ts's conversion for finite values, the f32 infinity/NaN
// exponent (mantissa and sign kept) where the half's exponent is all ones.
@inline function halves4(h: v128): v128 {
  const special = i32x4.eq(v128.and(h, i32x4.splat(0x7c00)), i32x4.splat(0x7c00));
  const infNan = v128.or(v128.or(i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13), i32x4.splat(0x7f800000)),
    i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16));
  return v128.bitselect(infNan, f16x4ToF32x4(h), special);
}

@inline function half1(h: u32): f32 {
  return f32x4.extract_lane(halves4(i32x4.splat(h)), 0);
}

export function embedFloat(w: usize, kind: i32, cols: i32, ids: usize, nTokens: i32, out: usize, sparse: usize): void {
  const rowOut = <usize>cols << 2;
  for (let t = 0; t < nTokens; t++) {
    const id = <usize>load<i32>(ids + (<usize>t << 2));
    const o = out + <usize>t * rowOut;
    if (kind == KIND_F32) {
      memory.copy(o, w + id * rowOut, rowOut);
      continue;
    }
    const src = w + id * (<usize>cols << 1);
    let i = 0;
    for (; i + 4 <= cols; i += 4) {
      const h = i32x4.extend_low_i16x8_u(v128.load64_zero(src + (<usize>i << 1)));
      v128.store(o + (<usize>i << 2), kind == KIND_F16 ? halves4(h) : i32x4.shl(h, 16));
    }
    for (; i < cols; i++) {
      const h = <u32>load<u16>(src + (<usize>i << 1));
      store<f32>(o + (<usize>i << 2), kind == KIND_F16 ? half1(h) : reinterpret<f32>(h << 16));
    }
    if (sparse == 0) continue;
    const rowStart = load<usize>(sparse, S_ROW_START), colOf = load<usize>(sparse, S_COL_OF), values = load<usize>(sparse, S_VALUES);
    const e1 = load<i32>(rowStart + ((id + 1) << 2));
    for (let e = load<i32>(rowStart + (id << 2)); e < e1; e++) {
      store<f32>(o + (<usize>load<i32>(colOf + (<usize>e << 2)) << 2), load<f32>(values + (<usize>e << 2)));
    }
  }
}
