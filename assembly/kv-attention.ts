import { P_BLOCK_TABLES, P_POSITIONS, P_TOKEN_SEQ } from "./attention";
import { TILE, attentionRowsSlotBytes, tileRows, weights } from "./attention-rows";
import { hsum, loadF16 } from "./f16";
import { madd } from "./int-dot";
import { threadSlot } from "./thread-slot";

// Paged attention (see attention.ts) over a q8_0 KV cache, one (token, head) unit at a time, u = t · nHeads + h,
// with K and V rows dequantized on the fly (f16 caches go through attention-rows.ts). Rows of kvDim / 32 ggml Q8_0
// blocks (f16 scale d, 32 int8 q; value = d · q); headDim a multiple of 32, so each head owns whole blocks. A score is
// Σ_blocks d · (q · int8 codes as floats); V is accumulated as (p · d) · codes. Keys go in tiles as in
// attention-rows.ts (one head's slot of its scratch layout): all the tile's scores, then their weights (`weights`),
// then the V rows, instead of an online-softmax update (a scalar exp, maybe a rescale) before every key's V row.
// `scratch`: slots of attentionRowsSlotBytes(1) per pool thread. Reference: kernels/ref/attention.ts.


@inline function lowF32(h: v128): v128 {
  return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h));
}

@inline function highF32(h: v128): v128 {
  return f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h));
}

// acc + Σ over 32 codes at c (int8) times 32 floats at x, as four lanes, each code scaled by `s` (a splat).
@inline function madd32(x: usize, c: usize, s: v128, acc: v128): v128 {
  const a = v128.load(c), b = v128.load(c, 16);
  const a0 = i16x8.extend_low_i8x16_s(a), a1 = i16x8.extend_high_i8x16_s(a);
  const b0 = i16x8.extend_low_i8x16_s(b), b1 = i16x8.extend_high_i8x16_s(b);
  let t = f32x4.mul(v128.load(x), lowF32(a0));
  t = madd(v128.load(x, 16), highF32(a0), t);
  t = madd(v128.load(x, 32), lowF32(a1), t);
  t = madd(v128.load(x, 48), highF32(a1), t);
  t = madd(v128.load(x, 64), lowF32(b0), t);
  t = madd(v128.load(x, 80), highF32(b0), t);
  t = madd(v128.load(x, 96), lowF32(b1), t);
  t = madd(v128.load(x, 112), highF32(b1), t);
  return madd(s, t, acc);
}

// o[0..32) += s · codes (32 int8 at c).
@inline function axpy32(o: usize, c: usize, s: v128): void {
  const a = v128.load(c), b = v128.load(c, 16);
  const a0 = i16x8.extend_low_i8x16_s(a), a1 = i16x8.extend_high_i8x16_s(a);
  const b0 = i16x8.extend_low_i8x16_s(b), b1 = i16x8.extend_high_i8x16_s(b);
  v128.store(o, madd(s, lowF32(a0), v128.load(o)));
  v128.store(o, madd(s, highF32(a0), v128.load(o, 16)), 16);
  v128.store(o, madd(s, lowF32(a1), v128.load(o, 32)), 32);
  v128.store(o, madd(s, highF32(a1), v128.load(o, 48)), 48);
  v128.store(o, madd(s, lowF32(b0), v128.load(o, 64)), 64);
  v128.store(o, madd(s, highF32(b0), v128.load(o, 80)), 80);
  v128.store(o, madd(s, lowF32(b1), v128.load(o, 96)), 96);
  v128.store(o, madd(s, highF32(b1), v128.load(o, 112)), 112);
}

// q (headDim floats) · one head's stored K slice.
@inline function dotRow(qRow: usize, kRow: usize, headDim: usize): f32 {
  let acc = f32x4.splat(0);
  for (let blk: usize = 0; blk < headDim >> 5; blk++) {
    const p = kRow + blk * 34;
    acc = madd32(qRow + (blk << 7), p + 2, f32x4.splat(loadF16(p)), acc);
  }
  return hsum(acc);
}

// o (headDim floats) += w · one head's stored V slice.
@inline function axpyRow(oRow: usize, w: f32, vRow: usize, headDim: usize): void {
  for (let blk: usize = 0; blk < headDim >> 5; blk++) {
    const p = vRow + blk * 34;
    axpy32(oRow + (blk << 7), p + 2, f32x4.splat(w * loadF16(p)));
  }
}

export function attentionQ8_0(out: usize, q: usize, k: usize, v: usize, params: usize, scratch: usize, r0: i32, r1: i32): void {
  const nHeads = load<i32>(params), nKvHeads = load<i32>(params, 4), headDim = load<i32>(params, 8);
  const scale = load<f32>(params, 12), softcap = load<f32>(params, 16);
  const window = load<i32>(params, 20), blockSize = load<i32>(params, 24), maxBlocks = load<i32>(params, 28);
  const positions = load<usize>(params, P_POSITIONS), tokenSeq = load<usize>(params, P_TOKEN_SEQ);
  const blockTables = load<usize>(params, P_BLOCK_TABLES);
  const group = nHeads / nKvHeads;
  const hd = <usize>headDim;
  const qDim = <usize>(nHeads * headDim);
  const hdBytes = hd << 2;
  const kvHeadBytes = (hd >> 5) * 34;
  const rowBytes = kvHeadBytes * <usize>nKvHeads;
  const scores = threadSlot(scratch, attentionRowsSlotBytes(1));
  const rowsAt = scores + TILE * 4, stats = rowsAt + TILE * 4;
  for (let u = r0; u < r1; u++) {
    const t = u / nHeads, h = u % nHeads;
    const pos = load<i32>(positions + (<usize>t << 2));
    const first = window > 0 ? max(0, pos - window + 1) : 0;
    const table = blockTables + (<usize>(load<i32>(tokenSeq + (<usize>t << 2)) * maxBlocks) << 2);
    const qRow = q + ((<usize>t * qDim + <usize>h * hd) << 2);
    const oRow = out + ((<usize>t * qDim + <usize>h * hd) << 2);
    const kvOff = <usize>(h / group) * kvHeadBytes;
    memory.fill(oRow, 0, hdBytes);
    store<f32>(stats, -Infinity);
    store<f32>(stats, 0, 4);
    for (let j0 = first; j0 <= pos; j0 += TILE) {
      const n = min(TILE, pos + 1 - j0), n4 = (n + 3) & ~3;
      tileRows(table, blockSize, j0, n, n4, rowBytes, rowsAt);
      for (let j = 0; j < n; j++) {
        store<f32>(scores + (<usize>j << 2), dotRow(qRow, k + <usize>load<u32>(rowsAt + (<usize>j << 2)) + kvOff, hd) * scale);
      }
      // The padding repeats the last key (tileRows): its score copied, not computed again.
      const last = load<f32>(scores + (<usize>(n - 1) << 2));
      for (let j = n; j < n4; j++) store<f32>(scores + (<usize>j << 2), last);
      weights(scores, stats, oRow, n, n4, 1, hdBytes, softcap);
      for (let j = 0; j < n; j++) {
        axpyRow(oRow, load<f32>(scores + (<usize>j << 2)), v + <usize>load<u32>(rowsAt + (<usize>j << 2)) + kvOff, hd);
      }
    }
    const l = load<f32>(stats, 4);
    const inv = f32x4.splat(l > 0 ? 1 / l : 0);
    for (let d: usize = 0; d < hdBytes; d += 16) v128.store(oRow + d, f32x4.mul(v128.load(oRow + d), inv));
  }
}
