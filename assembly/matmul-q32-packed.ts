import { f16sx4ToF32x4 } from "./f16";
import { dotS, hadd, madd, pairsU5, signedDot } from "./int-dot";
import { rowTokens1, rowTokens4 } from "./matmul-q32";
import { KIND_IQ4_NL, KIND_Q4_0, KIND_Q8_0, blockBytes, quantsOffset, weightHi, weightLo } from "./q32-blocks";

// Q8_0, Q4_0 and IQ4_NL weights interleaved four rows at a time (as llama.cpp repacks Q4_0 for its CPU
// backend): for each block column b of a group of rows 4g..4g+3, the four f16 scales, then the four rows' quants.
// A group takes as many bytes as the four ggml rows, so packQ32 rearranges them in place. Rows past the last whole
// group keep ggml's layout. One token then reads a block's activations once for sixteen rows (four groups, a quarter
// of the range apart: independent streams from memory keep more reads in flight than one; two streams gave
// 1.09–1.24× decode, four another 1.18–1.28×), and the four rows' dots reduce to one vector scaled by the four scales
// (loaded in one go) in one multiply-add.
// Q8_0 with relaxed SIMD: w · a = (±w) · |a| (w's sign flipped where a is negative), one pmaddubsw per 16 bytes
// instead of widening both to 16 bits (same sums; 1.06–1.23× one token, 1.1× prefill, same-process A/B). It needs
// −127 ≤ w ≤ 127, which llama.cpp's quantizer guarantees (round(x · 127 / amax)); packQ32 reports a −128 anywhere,
// and such a matrix runs matmulQ8_0PW, which widens instead. IQ4_NL's table values (−127…113) always qualify:
// 1.38–1.47× one token, 1.77× 16 tokens against its byte-widening dot.

// Weight bytes a prefill pass keeps in cache while it runs every 4-token tile over them (about half an L2).
const ROW_CHUNK_BYTES: usize = 256 << 10;

// Bytes of one block column of a group: 4 scales + 4 × the block's quants.
@inline function columnBytes(kind: i32): usize {
  return blockBytes(kind) << 2;
}

// Rearranges the whole four-row groups of a [rows, cols] matrix in ggml's layout at `w` into the interleaved
// layout, in place, through `tmp` (room for four rows): groups [g0, g1).
// Returns 1 when a Q8_0 quant is −128 (see above).
export function packQ32(w: usize, kind: i32, cols: i32, tmp: usize, g0: i32, g1: i32): i32 {
  const nb = <usize>(cols >> 5);
  const bb = blockBytes(kind), qb = bb - 2;
  const rowBytes = nb * bb;
  const groupBytes = rowBytes << 2;
  let min128 = i8x16.splat(0);
  for (let g = g0; g < g1; g++) {
    const base = w + <usize>g * groupBytes;
    memory.copy(tmp, base, groupBytes);
    for (let b: usize = 0; b < nb; b++) {
      const col = base + b * (bb << 2);
      for (let j: usize = 0; j < 4; j++) {
        const src = tmp + j * rowBytes + b * bb;
        store<u16>(col + 2 * j, load<u16>(src));
        const dst = col + 8 + j * qb;
        v128.store(dst, v128.load(src, 2));
        if (qb == 32) {
          v128.store(dst, v128.load(src, 18), 16);
          min128 = v128.or(min128, v128.or(i8x16.eq(v128.load(src, 2), i8x16.splat(-128)), i8x16.eq(v128.load(src, 18), i8x16.splat(-128))));
        }
      }
    }
  }
  return v128.any_true(min128) ? 1 : 0;
}

// The four f16 scales at p as floats.
@inline function scales4(p: usize): v128 {
  return f16sx4ToF32x4(i32x4.extend_low_i16x8_s(v128.load64_zero(p)));
}

// One row's block dot (4 partial sums) with the block's activations: bytes xa, xb (4-bit types, relaxed dot) or
// widened to i16 x0..x3 (Q8_0, whose weights are widened here once per row and block).
@inline function rowDot(kind: i32, narrow: bool, q: usize, xa: v128, xb: v128, x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  if (narrow) {
    if (ASC_FEATURE_RELAXED_SIMD) {
      // Signed weights within ±127 (Q8_0 from the quantizer, IQ4_NL's table): x0, x2 hold |activations|, x1, x3
      // their sign masks (actPart).
      return i32x4.add(i32x4.extadd_pairwise_i16x8_s(signedDot(weightLo(kind, q), x0, x1)),
        i32x4.extadd_pairwise_i16x8_s(signedDot(weightHi(kind, q), x2, x3)));
    }
  }
  if (kind == KIND_Q8_0) {
    // Eight bytes at a time loaded straight to 16-bit lanes (one instruction each on x86: pmovsxbw from memory).
    return i32x4.add(
      i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(q), x0), i32x4.dot_i16x8_s(v128.load8x8_s(q, 8), x1)),
      i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(q, 16), x2), i32x4.dot_i16x8_s(v128.load8x8_s(q, 24), x3)));
  }
  const lo = weightLo(kind, q), hi = weightHi(kind, q);
  if (kind == KIND_IQ4_NL) return i32x4.add(dotS(lo, xa), dotS(hi, xb));
  return i32x4.extadd_pairwise_i16x8_s(q4Pairs(q, xa, xb));
}

// Q4_0: a row's 32 code × activation products summed in pairs and halves, as eight 16-bit lanes (each ≤ 2·2·15·127).
@inline function q4Pairs(q: usize, xa: v128, xb: v128): v128 {
  return i16x8.add(pairsU5(weightLo(KIND_Q4_0, q), xa), pairsU5(weightHi(KIND_Q4_0, q), xb));
}

// Lanes [0..3] of x + [4..7] of x, then the same of y: two rows' sums of four 16-bit lanes each.
@inline function foldHalves16(x: v128, y: v128): v128 {
  return i16x8.add(v128.shuffle<i64>(x, y, 0, 2), v128.shuffle<i64>(x, y, 1, 3));
}

// The four rows' totals of block column `col` (scales at col, quants from col + 8).
@inline function groupDot(kind: i32, narrow: bool, col: usize, xa: v128, xb: v128, x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const qb = blockBytes(kind) - 2;
  const q = col + 8;
  if (kind == KIND_Q4_0 && ASC_FEATURE_RELAXED_SIMD) {
    // Rows folded while still 16-bit: each lane of the last fold sums eight pair lanes of one row (≤ 30480).
    const r01 = foldHalves16(q4Pairs(q, xa, xb), q4Pairs(q + qb, xa, xb));
    const r23 = foldHalves16(q4Pairs(q + 2 * qb, xa, xb), q4Pairs(q + 3 * qb, xa, xb));
    return i32x4.extadd_pairwise_i16x8_s(i16x8.add(v128.shuffle<i32>(r01, r23, 0, 2, 4, 6), v128.shuffle<i32>(r01, r23, 1, 3, 5, 7)));
  }
  return hadd(
    hadd(rowDot(kind, narrow, q, xa, xb, x0, x1, x2, x3), rowDot(kind, narrow, q + qb, xa, xb, x0, x1, x2, x3)),
    hadd(rowDot(kind, narrow, q + 2 * qb, xa, xb, x0, x1, x2, x3), rowDot(kind, narrow, q + 3 * qb, xa, xb, x0, x1, x2, x3)));
}

// acc + scales · (dx · t − 8 · s) for Q4_0 (its −8 offset times the activations' scaled sum), scales · dx · t otherwise.
@inline function scaleAdd(kind: i32, col: usize, t: v128, dx: v128, sx: usize, acc: v128): v128 {
  if (kind == KIND_Q4_0) return madd(scales4(col), madd(f32x4.convert_i32x4_s(t), dx, f32x4.mul(v128.load32_splat(sx), f32x4.splat(-8))), acc);
  return madd(scales4(col), f32x4.mul(f32x4.convert_i32x4_s(t), dx), acc);
}

// One token, the group at `g` (rows out[0..4)) and, when `groups` is 2 or 4, those at g + i · delta (rows at
// out + i · outDelta).
@inline function groupsToken1(kind: i32, narrow: bool, groups: i32, g: usize, delta: usize, nb: i32, qs: usize, ds: usize, ss: usize, out: usize, outDelta: usize): void {
  const cb = columnBytes(kind);
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  for (let b = 0; b < nb; b++) {
    const col = g + <usize>b * cb;
    const a = qs + (<usize>b << 5);
    const xa = v128.load(a), xb = v128.load(a, 16);
    const x0 = actPart(kind, narrow, a, 0), x1 = actPart(kind, narrow, a, 1);
    const x2 = actPart(kind, narrow, a, 2), x3 = actPart(kind, narrow, a, 3);
    const dx = v128.load32_splat(ds + (<usize>b << 2));
    const sx = ss + (<usize>b << 2);
    acc0 = scaleAdd(kind, col, groupDot(kind, narrow, col, xa, xb, x0, x1, x2, x3), dx, sx, acc0);
    if (groups >= 2) acc1 = scaleAdd(kind, col + delta, groupDot(kind, narrow, col + delta, xa, xb, x0, x1, x2, x3), dx, sx, acc1);
    if (groups == 4) {
      acc2 = scaleAdd(kind, col + 2 * delta, groupDot(kind, narrow, col + 2 * delta, xa, xb, x0, x1, x2, x3), dx, sx, acc2);
      acc3 = scaleAdd(kind, col + 3 * delta, groupDot(kind, narrow, col + 3 * delta, xa, xb, x0, x1, x2, x3), dx, sx, acc3);
    }
  }
  v128.store(out, acc0);
  if (groups >= 2) v128.store(out + outDelta, acc1);
  if (groups == 4) {
    v128.store(out + 2 * outDelta, acc2);
    v128.store(out + 3 * outDelta, acc3);
  }
}

// Four tokens of one group (four rows): each block column's quants are unpacked once (Q4_0/IQ4_NL: to bytes) and
// its activations loaded once per token for the four rows; out[t, r..r+3] for the four tokens.
@inline function groupTokens4(kind: i32, narrow: bool, g: usize, nb: i32, cols: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: usize): void {
  const cb = columnBytes(kind), qb = blockBytes(kind) - 2;
  const nbs = <usize>nb << 2;
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  for (let b = 0; b < nb; b++) {
    const col = g + <usize>b * cb;
    const a = qs + (<usize>b << 5);
    const dx = ds + (<usize>b << 2), sx = ss + (<usize>b << 2);
    acc0 = scaleAdd(kind, col, groupDotAt(kind, narrow, col, qb, a), v128.load32_splat(dx), sx, acc0);
    acc1 = scaleAdd(kind, col, groupDotAt(kind, narrow, col, qb, a + cols), v128.load32_splat(dx + nbs), sx + nbs, acc1);
    acc2 = scaleAdd(kind, col, groupDotAt(kind, narrow, col, qb, a + 2 * cols), v128.load32_splat(dx + 2 * nbs), sx + 2 * nbs, acc2);
    acc3 = scaleAdd(kind, col, groupDotAt(kind, narrow, col, qb, a + 3 * cols), v128.load32_splat(dx + 3 * nbs), sx + 3 * nbs, acc3);
  }
  const rb = rows << 2;
  v128.store(out, acc0);
  v128.store(out + rb, acc1);
  v128.store(out + 2 * rb, acc2);
  v128.store(out + 3 * rb, acc3);
}

// groupDot with the token's activations at `a`.
@inline function groupDotAt(kind: i32, narrow: bool, col: usize, qb: usize, a: usize): v128 {
  return groupDot(kind, narrow, col, v128.load(a), v128.load(a, 16), actPart(kind, narrow, a, 0), actPart(kind, narrow, a, 1),
    actPart(kind, narrow, a, 2), actPart(kind, narrow, a, 3));
}

// Part i (0…3) of a block's 32 activations at `a` in the form rowDot reads as x0…x3: |a| and sign masks of each half
// for the ±w · |a| dot (narrow, relaxed SIMD), eight values widened to 16 bits for Q8_0 otherwise; unused (0) for the
// 4-bit types, which read the bytes.
@inline function actPart(kind: i32, narrow: bool, a: usize, i: i32): v128 {
  if (narrow && ASC_FEATURE_RELAXED_SIMD) {
    const h = v128.load(a + (<usize>(i >> 1) << 4));
    return (i & 1) == 0 ? i8x16.abs(h) : i8x16.lt_s(h, i8x16.splat(0));
  }
  if (kind == KIND_Q8_0) return v128.load8x8_s(a + (<usize>i << 3));
  return i32x4.splat(0);
}

// Where the row kernels (matmul-q32.ts) read row r of a matrix at w: its first block's quants and scale, and the
// bytes from one block to the next: in its group's block columns (`packed`) or in ggml's layout (rows past the
// last whole group).
@inline function rowQuants(kind: i32, w: usize, r: i32, packed: bool, rowBytes: usize): usize {
  if (!packed) return w + <usize>r * rowBytes + quantsOffset(kind);
  return w + <usize>(r >> 2) * (rowBytes << 2) + 8 + <usize>(r & 3) * (blockBytes(kind) - 2);
}
@inline function rowScale(kind: i32, w: usize, r: i32, packed: bool, rowBytes: usize): usize {
  if (!packed) return w + <usize>r * rowBytes;
  return w + <usize>(r >> 2) * (rowBytes << 2) + (<usize>(r & 3) << 1);
}
@inline function rowStride(kind: i32, packed: bool): usize {
  return packed ? columnBytes(kind) : blockBytes(kind);
}

@inline function matmulPacked(kind: i32, narrow: bool, w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * blockBytes(kind);
  const groupBytes = rowBytes << 2;
  const packedRows = rows & ~3;
  const c = <usize>cols;
  const nbs = <usize>nb << 2;
  const rowsU = <usize>rows;
  let t = 0;
  // Token tiles of 4: a group of four rows at a time (rows outside whole groups one by one, rowTokens4 reading a
  // packed row through its group's stride). Rows go in chunks of about ROW_CHUNK_BYTES, each chunk taking every
  // tile in turn, so its weights are read from cache rather than memory once per tile.
  const tiles = nTokens >> 2;
  const chunkRows = max(4, <i32>(ROW_CHUNK_BYTES / rowBytes) & ~3);
  for (let rc = r0; tiles > 0 && rc < r1; rc += chunkRows) {
    const rEnd = min(r1, rc + chunkRows);
    for (let tile = 0; tile < tiles; tile++) {
      const tt = <usize>tile << 2;
      const tq = qs + tt * c, td = ds + tt * nbs, ts = ss + tt * nbs;
      for (let r = rc; r < rEnd; r++) {
        const o = out + ((tt * rowsU + <usize>r) << 2);
        if ((r & 3) == 0 && r + 4 <= min(rEnd, packedRows)) {
          groupTokens4(kind, narrow, w + <usize>(r >> 2) * groupBytes, nb, c, tq, td, ts, o, rowsU);
          r += 3;
        } else {
          const packed = r < packedRows;
          rowTokens4(kind, rowQuants(kind, w, r, packed, rowBytes), rowScale(kind, w, r, packed, rowBytes), rowStride(kind, packed),
            nb, c, tq, td, ts, o, rowsU);
        }
      }
    }
  }
  t = tiles << 2;
  // Then each remaining token: groups of four rows (two at a time for long rows), rows past the groups one by one.
  for (; t < nTokens; t++) {
    const tq = qs + <usize>t * c, td = ds + <usize>t * nbs, ts = ss + <usize>t * nbs;
    const o = out + (<usize>t * rowsU << 2);
    let r = r0;
    if ((r & 3) == 0) {
      // Four groups at a time share the block's activations, each a quarter of the range's groups from the next
      // (four streams from memory), then the rest two at a time (half apart) and a last one alone.
      let nG = (min(r1, packedRows) - r) >> 2;
      const qG = nG >> 2;
      for (let i = 0; i < qG; i++) {
        const rr = r + (i << 2);
        groupsToken1(kind, narrow, 4, w + <usize>(rr >> 2) * groupBytes, <usize>qG * groupBytes, nb, tq, td, ts, o + (<usize>rr << 2), <usize>qG << 4);
      }
      r += qG << 4;
      nG &= 3;
      const hG = nG >> 1;
      const delta = <usize>hG * groupBytes;
      for (let i = 0; i < hG; i++) {
        const rr = r + (i << 2);
        groupsToken1(kind, narrow, 2, w + <usize>(rr >> 2) * groupBytes, delta, nb, tq, td, ts, o + (<usize>rr << 2), <usize>hG << 4);
      }
      r += hG << 3;
      if ((nG & 1) != 0) {
        groupsToken1(kind, narrow, 1, w + <usize>(r >> 2) * groupBytes, 0, nb, tq, td, ts, o + (<usize>r << 2), 0);
        r += 4;
      }
    }
    for (; r < r1; r++) {
      const packed = r < packedRows;
      store<f32>(o + (<usize>r << 2), rowTokens1(kind, rowQuants(kind, w, r, packed, rowBytes), rowScale(kind, w, r, packed, rowBytes),
        rowStride(kind, packed), nb, tq, td, ts));
    }
  }
}

export function matmulQ8_0P(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulPacked(KIND_Q8_0, true, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ8_0PW(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulPacked(KIND_Q8_0, false, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulQ4_0P(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulPacked(KIND_Q4_0, false, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
export function matmulIQ4_NLP(w: usize, qs: usize, ds: usize, ss: usize, out: usize, rows: i32, cols: i32, nTokens: i32, r0: i32, r1: i32): void {
  matmulPacked(KIND_IQ4_NL, true, w, qs, ds, ss, out, rows, cols, nTokens, r0, r1);
}
