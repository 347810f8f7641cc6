// F16 weights' subnormal values, split out at load (wasm-backend.ts, loadWeight). The float kernels convert F16 with
// the magic multiply (the half's bits in float position × 2^112), and x86 takes a microcode assist, over a hundred
// cycles, for a multiply with a subnormal float input, which is what a half below 2^-14 becomes there. Checkpoints
// hold a few such halves (stories-7m: 0.16 % of them, in 0.6 % of the four-value groups the kernels convert), enough
// to cost its one-token products about a quarter of their time. So each subnormal half is replaced in the stored
// matrix by a zero of its sign and kept, exactly as f32, in lists in row order (rowStart [rows + 1], then each
// entry's row, column and value), which the products add after their sums (matmul-float.ts) and the embedding
// lookup writes back (embed.ts).
import { f16ToF32 } from "./f16";

// The lists' header, which src/kernels/wasm/f16-weights.ts writes: the addresses of rowStart, the rows, the columns
// and the values, as usize words (4 bytes in the wasm32 build, 8 in the memory64 one); byte offsets.
export const S_ROW_START: usize = 0;
export const S_ROW_OF: usize = sizeof<usize>();
export const S_COL_OF: usize = 2 * sizeof<usize>();
export const S_VALUES: usize = 3 * sizeof<usize>();

@inline function isSubnormal(h: u32): bool {
  return (h & 0x7c00) == 0 && (h & 0x3ff) != 0;
}

// Lanes of eight halves that are subnormal (all ones) or not (zero).
@inline function subnormalLanes(v: v128): v128 {
  const expZero = i16x8.eq(v128.and(v, i16x8.splat(0x7c00)), i16x8.splat(0));
  return v128.and(expZero, i16x8.ne(v128.and(v, i16x8.splat(0x3ff)), i16x8.splat(0)));
}

/** Number of subnormal halves among n at w. */
export function f16SubnormalCount(w: usize, n: i32): i32 {
  let count = 0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const sub = subnormalLanes(v128.load(w + (<usize>i << 1)));
    if (v128.any_true(sub)) count += popcnt(i16x8.bitmask(sub));
  }
  for (; i < n; i++) if (isSubnormal(<u32>load<u16>(w + (<usize>i << 1)))) count++;
  return count;
}

/** Moves the subnormal halves of w [rows, cols] into the lists (rowStart i32 [rows + 1]; rows, cols i32, values f32). */
export function f16SplitSubnormals(w: usize, rows: i32, cols: i32, rowStart: usize, rowsOut: usize, colsOut: usize, values: usize): void {
  let e = 0;
  for (let r = 0; r < rows; r++) {
    store<i32>(rowStart + (<usize>r << 2), e);
    const row = w + (<usize>r * <usize>cols << 1);
    let i = 0;
    while (i < cols) {
      // Eight at a time past the groups without one (nearly all of them).
      if (i + 8 <= cols && !v128.any_true(subnormalLanes(v128.load(row + (<usize>i << 1))))) {
        i += 8;
        continue;
      }
      const end = min(cols, i + 8);
      for (; i < end; i++) {
        const p = row + (<usize>i << 1);
        const h = <u32>load<u16>(p);
        if (!isSubnormal(h)) continue;
        store<i32>(rowsOut + (<usize>e << 2), r);
        store<i32>(colsOut + (<usize>e << 2), i);
        store<f32>(values + (<usize>e << 2), f16ToF32(h)); // exact, and without the assist
        store<u16>(p, <u16>(h & 0x8000));
        e++;
      }
    }
  }
  store<i32>(rowStart + (<usize>rows << 2), e);
}
