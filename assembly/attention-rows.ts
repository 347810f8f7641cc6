import { exp4 } from "./activation";
import { P_BLOCK_TABLES, P_HEADS_PER_UNIT, P_POSITIONS, P_TOKEN_SEQ, rescaleRow } from "./attention";
import { hmax, hsum, hsum4x4, loadF16x4 } from "./f16";
import { madd } from "./int-dot";
import { threadSlot } from "./thread-slot";

// Attention (see attention.ts) over an f32 or f16 KV cache with the loops turned for decode batches: a unit is one
// token and a group of its heads. Keys go in tiles of TILE; each tile takes three passes, every one over all the
// unit's heads for each four keys, so each K and V row is read whole and once per unit (contiguous) instead of once
// per head (strided): the cache of 8 decoding sequences is larger than L2, and that read costs as much as the
// arithmetic.
// 1. scores: q · k × scale for four keys at a time (query heads of a GQA group two at a time over the same loaded K
//    rows, the last alone in an odd group), into the tile's score rows;
// 2. softmax, per head: soft-capping, the tile's maximum, the rescaling of the head's output row and l when the
//    running maximum m rises, then weights e^(s − m) four at a time, summed into l;
// 3. values: the weighted V rows into the output rows, four keys at a time (GQA pairs as in pass 1).
// Unlike the online-softmax update per four keys this replaced, no score waits on the previous keys' softmax, so
// the passes run at the width of the machine. Same-process A/B, one call replayed hot, 2 threads: one sequence at
// position 400 of stories-7m 1.90×, at 300 of Qwen2.5-0.5B (GQA 7) 1.39×, at 30 1.12×; 8 sequences at 100, 400
// 1.08×, 1.27× (f32 or f16 cache), Qwen2.5-0.5B at 300 1.35×.
// Units [r0, r1): u = t · (nHeads / headsPerUnit) + g covers query heads [g · headsPerUnit, (g + 1) · headsPerUnit);
// headsPerUnit (params word 11) is a multiple of the GQA group and divides nHeads. `scratch`: slots of
// attentionRowsSlotBytes(headsPerUnit) per pool thread. Reference: kernels/ref/attention.ts.

const KIND_F32 = 0;
const KIND_F16 = 1;

// Keys per tile: the score rows of 32 heads (16 KB) stay in L1 with the K and V rows they meet.
export const TILE = 128;

/** Scratch bytes per pool thread: score rows [head][TILE], the tile's row offsets [TILE], (m, l) per head. */
export function attentionRowsSlotBytes(headsPerUnit: i32): usize {
  return <usize>headsPerUnit * (TILE * 4 + 8) + TILE * 4;
}

@inline function load4(kind: i32, p: usize): v128 {
  return kind == KIND_F32 ? v128.load(p) : loadF16x4(p);
}

export function attentionRows(out: usize, q: usize, k: usize, v: usize, params: usize, scratch: usize, r0: i32, r1: i32): void {
  attentionRowsKind(KIND_F32, out, q, k, v, params, scratch, r0, r1);
}

export function attentionRowsF16(out: usize, q: usize, k: usize, v: usize, params: usize, scratch: usize, r0: i32, r1: i32): void {
  attentionRowsKind(KIND_F16, out, q, k, v, params, scratch, r0, r1);
}

@inline function attentionRowsKind(kind: i32, out: usize, q: usize, k: usize, v: usize, params: usize, scratch: usize, r0: i32, r1: i32): void {
  const nHeads = load<i32>(params), nKvHeads = load<i32>(params, 4), headDim = load<i32>(params, 8);
  const scale = load<f32>(params, 12), softcap = load<f32>(params, 16);
  const window = load<i32>(params, 20), blockSize = load<i32>(params, 24), maxBlocks = load<i32>(params, 28);
  const positions = load<usize>(params, P_POSITIONS), tokenSeq = load<usize>(params, P_TOKEN_SEQ);
  const blockTables = load<usize>(params, P_BLOCK_TABLES), headsPerUnit = load<i32>(params, P_HEADS_PER_UNIT);
  const group = nHeads / nKvHeads, unitsPerToken = nHeads / headsPerUnit;
  const qDim = <usize>(nHeads * headDim);
  const hdBytes = <usize>headDim << 2;
  const eShift: usize = kind == KIND_F32 ? 2 : 1;
  const rowStride = <usize>(nKvHeads * headDim) << eShift, hdStored = <usize>headDim << eShift;
  const slot = threadSlot(scratch, attentionRowsSlotBytes(headsPerUnit));
  const rowsAt = slot + <usize>headsPerUnit * (TILE * 4); // the tile's K/V row offsets (bytes)
  const stats = rowsAt + TILE * 4; // (m, l) per head of the unit
  for (let u = r0; u < r1; u++) {
    const t = u / unitsPerToken, h0 = (u % unitsPerToken) * headsPerUnit;
    const pos = load<i32>(positions + (<usize>t << 2));
    const first = window > 0 ? max(0, pos - window + 1) : 0;
    const table = blockTables + (<usize>(load<i32>(tokenSeq + (<usize>t << 2)) * maxBlocks) << 2);
    const tq = q + ((<usize>t * qDim) << 2) + <usize>h0 * hdBytes, to = out + ((<usize>t * qDim) << 2) + <usize>h0 * hdBytes;
    const kvOff0 = <usize>(h0 / group) * hdStored;
    memory.fill(to, 0, <usize>headsPerUnit * hdBytes);
    for (let h = 0; h < headsPerUnit; h++) {
      store<f32>(stats + (<usize>h << 3), -Infinity);
      store<f32>(stats + (<usize>h << 3), 0, 4);
    }
    for (let j0 = first; j0 <= pos; j0 += TILE) {
      const n = min(TILE, pos + 1 - j0);
      const n4 = (n + 3) & ~3;
      tileRows(table, blockSize, j0, n, n4, rowStride, rowsAt);
      scores(kind, k + kvOff0, tq, rowsAt, slot, n4, headsPerUnit, group, hdBytes, hdStored, scale);
      weights(slot, stats, to, n, n4, headsPerUnit, hdBytes, softcap);
      values(kind, v + kvOff0, to, rowsAt, slot, n4, headsPerUnit, group, hdBytes, hdStored);
    }
    for (let h = 0; h < headsPerUnit; h++) {
      const l = load<f32>(stats + (<usize>h << 3), 4);
      const inv = f32x4.splat(l > 0 ? 1 / l : 0), oRow = to + <usize>h * hdBytes;
      for (let d: usize = 0; d < hdBytes; d += 16) v128.store(oRow + d, f32x4.mul(v128.load(oRow + d), inv));
    }
  }
}

/**
 * Byte offsets (cache slot × rowStride) of keys j0 … j0 + n − 1 through a sequence's block table, into rowsAt; the
 * padding up to n4 (a multiple of four) repeats the last key, whose weight `weights` zeroes there.
 */
@inline export function tileRows(table: usize, blockSize: i32, j0: i32, n: i32, n4: i32, rowStride: usize, rowsAt: usize): void {
  let jj = 0;
  while (jj < n) {
    const j = j0 + jj, b = j / blockSize, inBlock = j - b * blockSize;
    const base = load<i32>(table + (<usize>b << 2)) * blockSize - b * blockSize;
    const end = min(n, jj + blockSize - inBlock);
    for (; jj < end; jj++) store<i32>(rowsAt + (<usize>jj << 2), <i32>(<usize>(base + j0 + jj) * rowStride));
  }
  const lastRow = load<i32>(rowsAt + (<usize>(n - 1) << 2));
  for (; jj < n4; jj++) store<i32>(rowsAt + (<usize>jj << 2), lastRow);
}

// Pass 1: score rows S[h][0..n4) of the unit's heads (query rows from tq, K rows at k + rowsAt[j] + kv head offset).
@inline function scores(kind: i32, k: usize, tq: usize, rowsAt: usize, s: usize, n4: i32, heads: i32, group: i32, hdBytes: usize,
  hdStored: usize, scale: f32): void {
  const eStep: usize = kind == KIND_F32 ? 16 : 8;
  const sRow = <usize>(TILE * 4);
  const sc = f32x4.splat(scale);
  for (let j = 0; j < n4; j += 4) {
    const ra = rowsAt + (<usize>j << 2);
    const k0 = k + <usize>load<u32>(ra), k1 = k + <usize>load<u32>(ra, 4), k2 = k + <usize>load<u32>(ra, 8), k3 = k + <usize>load<u32>(ra, 12);
    for (let h = 0, kv: usize = 0; h < heads; kv += hdStored) {
      for (let i = 0; i < group;) {
        const qa = tq + <usize>h * hdBytes, sa = s + <usize>h * sRow + (<usize>j << 2);
        if (i + 1 < group) {
          const qb = qa + hdBytes;
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
          for (let d: usize = 0, e = kv; d < hdBytes; d += 16, e += eStep) {
            const x = v128.load(qa + d), y = v128.load(qb + d);
            const kr0 = load4(kind, k0 + e), kr1 = load4(kind, k1 + e), kr2 = load4(kind, k2 + e), kr3 = load4(kind, k3 + e);
            a0 = madd(x, kr0, a0); a1 = madd(x, kr1, a1); a2 = madd(x, kr2, a2); a3 = madd(x, kr3, a3);
            c0 = madd(y, kr0, c0); c1 = madd(y, kr1, c1); c2 = madd(y, kr2, c2); c3 = madd(y, kr3, c3);
          }
          v128.store(sa, f32x4.mul(hsum4x4(a0, a1, a2, a3), sc));
          v128.store(sa + sRow, f32x4.mul(hsum4x4(c0, c1, c2, c3), sc));
          i += 2;
          h += 2;
        } else {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          for (let d: usize = 0, e = kv; d < hdBytes; d += 16, e += eStep) {
            const x = v128.load(qa + d);
            a0 = madd(x, load4(kind, k0 + e), a0); a1 = madd(x, load4(kind, k1 + e), a1);
            a2 = madd(x, load4(kind, k2 + e), a2); a3 = madd(x, load4(kind, k3 + e), a3);
          }
          v128.store(sa, f32x4.mul(hsum4x4(a0, a1, a2, a3), sc));
          i++;
          h++;
        }
      }
    }
  }
}

// Pass 2: per head, scores → weights e^(s − m) in place (the padding after n zeroed), m and l at stats updated, the
// output row rescaled when m rises.
@inline export function weights(s: usize, stats: usize, to: usize, n: i32, n4: i32, heads: i32, hdBytes: usize, softcap: f32): void {
  for (let h = 0; h < heads; h++) {
    const row = s + <usize>h * (TILE * 4), st = stats + (<usize>h << 3);
    // Capped up to n4: the padding repeats a real key, and its raw score must not set the maximum.
    if (softcap > 0) {
      for (let j = 0; j < n4; j++) {
        const p = row + (<usize>j << 2);
        store<f32>(p, softcap * <f32>Math.tanh(<f64>(load<f32>(p) / softcap)));
      }
    }
    let mv = f32x4.splat(-Infinity);
    for (let j = 0; j < n4; j += 4) mv = f32x4.max(mv, v128.load(row + (<usize>j << 2)));
    const tileMax = hmax(mv);
    let m = load<f32>(st), l = load<f32>(st, 4);
    if (tileMax > m) {
      l *= rescaleRow(to + <usize>h * hdBytes, hdBytes, m - tileMax);
      m = tileMax;
      store<f32>(st, m);
    }
    const mm = f32x4.splat(m);
    let sum = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const p = row + (<usize>j << 2);
      let w = exp4(f32x4.sub(v128.load(p), mm));
      if (j + 4 > n) w = v128.and(w, i32x4.lt_s(i32x4.add(i32x4.splat(j), i32x4(0, 1, 2, 3)), i32x4.splat(n)));
      v128.store(p, w);
      sum = f32x4.add(sum, w);
    }
    store<f32>(st, l + hsum(sum), 4);
  }
}

// Pass 3: output rows += Σ weight · V row, four keys at a time (V rows at v + rowsAt[j] + kv head offset).
@inline function values(kind: i32, v: usize, to: usize, rowsAt: usize, s: usize, n4: i32, heads: i32, group: i32, hdBytes: usize,
  hdStored: usize): void {
  const eStep: usize = kind == KIND_F32 ? 16 : 8;
  const sRow = <usize>(TILE * 4);
  for (let j = 0; j < n4; j += 4) {
    const ra = rowsAt + (<usize>j << 2);
    const v0 = v + <usize>load<u32>(ra), v1 = v + <usize>load<u32>(ra, 4), v2 = v + <usize>load<u32>(ra, 8), v3 = v + <usize>load<u32>(ra, 12);
    for (let h = 0, kv: usize = 0; h < heads; kv += hdStored) {
      for (let i = 0; i < group;) {
        const oa = to + <usize>h * hdBytes, pa = v128.load(s + <usize>h * sRow + (<usize>j << 2));
        const pa0 = v128.shuffle<f32>(pa, pa, 0, 0, 0, 0), pa1 = v128.shuffle<f32>(pa, pa, 1, 1, 1, 1);
        const pa2 = v128.shuffle<f32>(pa, pa, 2, 2, 2, 2), pa3 = v128.shuffle<f32>(pa, pa, 3, 3, 3, 3);
        if (i + 1 < group) {
          const ob = oa + hdBytes, pb = v128.load(s + <usize>(h + 1) * sRow + (<usize>j << 2));
          const pb0 = v128.shuffle<f32>(pb, pb, 0, 0, 0, 0), pb1 = v128.shuffle<f32>(pb, pb, 1, 1, 1, 1);
          const pb2 = v128.shuffle<f32>(pb, pb, 2, 2, 2, 2), pb3 = v128.shuffle<f32>(pb, pb, 3, 3, 3, 3);
          for (let d: usize = 0, e = kv; d < hdBytes; d += 16, e += eStep) {
            const vr0 = load4(kind, v0 + e), vr1 = load4(kind, v1 + e), vr2 = load4(kind, v2 + e), vr3 = load4(kind, v3 + e);
            v128.store(oa + d, madd(pa3, vr3, madd(pa2, vr2, madd(pa1, vr1, madd(pa0, vr0, v128.load(oa + d))))));
            v128.store(ob + d, madd(pb3, vr3, madd(pb2, vr2, madd(pb1, vr1, madd(pb0, vr0, v128.load(ob + d))))));
          }
          i += 2;
          h += 2;
        } else {
          for (let d: usize = 0, e = kv; d < hdBytes; d += 16, e += eStep) {
            let o = madd(pa0, load4(kind, v0 + e), v128.load(oa + d));
            o = madd(pa1, load4(kind, v1 + e), o);
            o = madd(pa2, load4(kind, v2 + e), o);
            v128.store(oa + d, madd(pa3, load4(kind, v3 + e), o));
          }
          i++;
          h++;
        }
      }
    }
  }
}
