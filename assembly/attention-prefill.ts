import { exp4 } from "./activation";
import { P_BLOCK_TABLES, P_N_TOKENS, P_POSITIONS, P_TOKEN_SEQ, rescaleRow } from "./attention";
import { hsum, hsum4x4 } from "./f16";
import { madd } from "./int-dot";
import { threadSlot } from "./thread-slot";

// Attention for prefill (f32 KV cache, no soft-capping, headDim a multiple of 8): four consecutive tokens of one
// sequence (positions p..p+3) and one query head per unit, over the cache page by page (the KV block size). The four
// queries' scores for a page go to scratch, the online softmax (attention.ts) updates once per page and query
// rather than per key, and the page's V rows are summed into the four output rows in registers, each V row loaded
// once for the four queries. Units [r0, r1): u = tile · nHeads + h, tile = tokens 4·tile.. (the last tile may be
// shorter; a tile whose tokens are not consecutive positions of one sequence runs token by token).
// params: attention.ts's layout (nTokens at P_N_TOKENS). scratch: one slot of
// attentionPrefillSlotBytes(blockSize) per pool thread (thread-slot.ts).

const NEG_INF: f32 = -Infinity;

// Scratch per thread (also called from src/kernels/wasm/ to size the region): 4 score rows of the page (rounded up to 4 keys), then the 4 running maxima and 4 denominators.
@inline function rowFloats(blockSize: i32): usize {
  return <usize>((blockSize + 3) & ~3);
}
export function attentionPrefillSlotBytes(blockSize: i32): usize {
  return (rowFloats(blockSize) << 4) + 32;
}

export function attentionPrefill(out: usize, q: usize, k: usize, v: usize, params: usize, scratch: usize, r0: i32, r1: i32): void {
  const nHeads = load<i32>(params), nTokens = load<i32>(params, P_N_TOKENS);
  const positions = load<usize>(params, P_POSITIONS), tokenSeq = load<usize>(params, P_TOKEN_SEQ);
  const blockSize = load<i32>(params, 24);
  const s = threadSlot(scratch, attentionPrefillSlotBytes(blockSize));
  for (let u = r0; u < r1; u++) {
    const t0 = (u / nHeads) << 2, h = u % nHeads;
    const nq = min(4, nTokens - t0);
    const seq = load<i32>(tokenSeq + (<usize>t0 << 2)), pos0 = load<i32>(positions + (<usize>t0 << 2));
    let tile = nq == 4;
    for (let i = 1; tile && i < 4; i++) {
      tile = load<i32>(tokenSeq + (<usize>(t0 + i) << 2)) == seq && load<i32>(positions + (<usize>(t0 + i) << 2)) == pos0 + i;
    }
    if (tile) attend(4, t0, h, out, q, k, v, params, s);
    else for (let i = 0; i < nq; i++) attend(1, t0 + i, h, out, q, k, v, params, s);
  }
}

// Queries t..t+nq−1 (consecutive positions of one sequence) of head h.
@inline function attend(nq: i32, t: i32, h: i32, out: usize, q: usize, k: usize, v: usize, params: usize, s: usize): void {
  const nHeads = load<i32>(params), nKvHeads = load<i32>(params, 4), headDim = load<i32>(params, 8);
  const scale = load<f32>(params, 12);
  const window = load<i32>(params, 20), blockSize = load<i32>(params, 24), maxBlocks = load<i32>(params, 28);
  const positions = load<usize>(params, P_POSITIONS), tokenSeq = load<usize>(params, P_TOKEN_SEQ);
  const blockTables = load<usize>(params, P_BLOCK_TABLES);
  const hdBytes = <usize>headDim << 2;
  const qStride = <usize>nHeads * hdBytes;
  const rowStride = <usize>nKvHeads * hdBytes;
  const kvOff = <usize>(h / (nHeads / nKvHeads)) * hdBytes;
  const sRow = rowFloats(blockSize) << 2;
  const ml = s + (sRow << 2);
  const pos0 = load<i32>(positions + (<usize>t << 2));
  const last = pos0 + nq - 1;
  const first = window > 0 ? max(0, pos0 - window + 1) : 0;
  const table = blockTables + (<usize>(load<i32>(tokenSeq + (<usize>t << 2)) * maxBlocks) << 2);
  const q0 = q + <usize>t * qStride + <usize>h * hdBytes;
  const o0 = out + <usize>t * qStride + <usize>h * hdBytes;
  for (let i = 0; i < nq; i++) {
    memory.fill(o0 + <usize>i * qStride, 0, hdBytes);
    store<f32>(ml + (<usize>i << 2), NEG_INF);
    store<f32>(ml + (<usize>i << 2), 0, 16);
  }
  for (let b = first / blockSize; b <= last / blockSize; b++) {
    const j0 = max(first, b * blockSize), j1 = min(last + 1, (b + 1) * blockSize);
    const n = j1 - j0, n4 = (n + 3) & ~3;
    const page = <usize>(load<i32>(table + (<usize>b << 2)) * blockSize + j0 - b * blockSize) * rowStride + kvOff;
    const kb = k + page, vb = v + page;
    // Scores, −∞ where a key is past the query's position or before its window; four keys at a time for a pair
    // of queries (each K row loaded once for both), the page's last keys one by one.
    if (nq == 4) {
      pageScores(true, q0, qStride, kb, rowStride, hdBytes, s, sRow, n, n4, j0, pos0, window, scale);
      pageScores(true, q0 + 2 * qStride, qStride, kb, rowStride, hdBytes, s + 2 * sRow, sRow, n, n4, j0, pos0 + 2, window, scale);
    } else {
      pageScores(false, q0, qStride, kb, rowStride, hdBytes, s, sRow, n, n4, j0, pos0, window, scale);
    }
    // Online softmax, once per page: scores → weights e^(s − m) (0 where masked), the output row rescaled when m grows.
    for (let i = 0; i < nq; i++) {
      const row = s + <usize>i * sRow, mi = ml + (<usize>i << 2);
      let mv = f32x4.splat(NEG_INF);
      for (let jj = 0; jj < n4; jj += 4) mv = f32x4.max(mv, v128.load(row + (<usize>jj << 2)));
      const bm = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
      let m = load<f32>(mi);
      if (bm > m) {
        store<f32>(mi, load<f32>(mi, 16) * rescaleRow(o0 + <usize>i * qStride, hdBytes, m - bm), 16);
        m = bm;
        store<f32>(mi, m);
      }
      const mSplat = f32x4.splat(m);
      let lv = f32x4.splat(0);
      for (let jj = 0; jj < n4; jj += 4) {
        const x = v128.load(row + (<usize>jj << 2));
        const p = v128.and(exp4(f32x4.sub(x, mSplat)), f32x4.ne(x, f32x4.splat(NEG_INF)));
        v128.store(row + (<usize>jj << 2), p);
        lv = f32x4.add(lv, p);
      }
      store<f32>(mi, load<f32>(mi, 16) + hsum(lv), 16);
    }
    // o_i += Σ_j w_ij · V_j, eight values of the head at a time for all queries in registers.
    for (let d: usize = 0; d < hdBytes; d += 32) {
      let a0 = v128.load(o0 + d), a1 = v128.load(o0 + d, 16);
      let b0 = a0, b1 = a1, c0 = a0, c1 = a1, e0 = a0, e1 = a1;
      if (nq == 4) {
        b0 = v128.load(o0 + qStride + d); b1 = v128.load(o0 + qStride + d, 16);
        c0 = v128.load(o0 + 2 * qStride + d); c1 = v128.load(o0 + 2 * qStride + d, 16);
        e0 = v128.load(o0 + 3 * qStride + d); e1 = v128.load(o0 + 3 * qStride + d, 16);
      }
      for (let jj = 0; jj < n; jj++) {
        const vr = vb + <usize>jj * rowStride + d;
        const v0 = v128.load(vr), v1 = v128.load(vr, 16);
        const w = s + (<usize>jj << 2);
        const pa = v128.load32_splat(w);
        a0 = madd(pa, v0, a0); a1 = madd(pa, v1, a1);
        if (nq == 4) {
          const pb = v128.load32_splat(w + sRow), pc = v128.load32_splat(w + 2 * sRow), pe = v128.load32_splat(w + 3 * sRow);
          b0 = madd(pb, v0, b0); b1 = madd(pb, v1, b1);
          c0 = madd(pc, v0, c0); c1 = madd(pc, v1, c1);
          e0 = madd(pe, v0, e0); e1 = madd(pe, v1, e1);
        }
      }
      v128.store(o0 + d, a0); v128.store(o0 + d, a1, 16);
      if (nq == 4) {
        v128.store(o0 + qStride + d, b0); v128.store(o0 + qStride + d, b1, 16);
        v128.store(o0 + 2 * qStride + d, c0); v128.store(o0 + 2 * qStride + d, c1, 16);
        v128.store(o0 + 3 * qStride + d, e0); v128.store(o0 + 3 * qStride + d, e1, 16);
      }
    }
  }
  for (let i = 0; i < nq; i++) {
    const l = load<f32>(ml + (<usize>i << 2), 16);
    const inv = f32x4.splat(l > 0 ? 1 / l : 0);
    const o = o0 + <usize>i * qStride;
    for (let d: usize = 0; d < hdBytes; d += 16) v128.store(o + d, f32x4.mul(v128.load(o + d), inv));
  }
}

// Four scores of keys j0 + jj … j0 + jj + 3 for the query at position pos: scale · dots, −∞ outside [first, pos].
@inline function storeScores(row: usize, jj: i32, j0: i32, pos: i32, window: i32, dots: v128, scale: f32): void {
  const first = window > 0 ? max(0, pos - window + 1) : 0;
  const j = i32x4.add(i32x4.splat(j0 + jj), i32x4(0, 1, 2, 3));
  const valid = v128.and(i32x4.le_s(j, i32x4.splat(pos)), i32x4.ge_s(j, i32x4.splat(first)));
  v128.store(row + (<usize>jj << 2), v128.bitselect(f32x4.mul(dots, f32x4.splat(scale)), f32x4.splat(NEG_INF), valid));
}

// The score of key j0 + jj (−∞ past the page's n keys or outside the query's span).
@inline function score1(qi: usize, kb: usize, jj: i32, n: i32, j0: i32, pos: i32, window: i32, hdBytes: usize, rowStride: usize, scale: f32): f32 {
  const j = j0 + jj;
  const first = window > 0 ? max(0, pos - window + 1) : 0;
  if (jj >= n || j > pos || j < first) return NEG_INF;
  const kr = kb + <usize>jj * rowStride;
  let c = f32x4.splat(0);
  for (let d: usize = 0; d < hdBytes; d += 16) c = madd(v128.load(qi + d), v128.load(kr + d), c);
  return hsum(c) * scale;
}

// Score rows of the query at qa (position pos) and, when `pair`, of the next one (qa + qStride, pos + 1).
@inline function pageScores(pair: bool, qa: usize, qStride: usize, kb: usize, rowStride: usize, hdBytes: usize, ra: usize, sRow: usize,
  n: i32, n4: i32, j0: i32, pos: i32, window: i32, scale: f32): void {
  const qb = qa + qStride, rb = ra + sRow;
  let jj = 0;
  for (; jj + 4 <= n; jj += 4) {
    const kr = kb + <usize>jj * rowStride;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    for (let d: usize = 0; d < hdBytes; d += 16) {
      const x = v128.load(qa + d);
      const k0 = v128.load(kr + d), k1 = v128.load(kr + rowStride + d);
      const k2 = v128.load(kr + 2 * rowStride + d), k3 = v128.load(kr + 3 * rowStride + d);
      a0 = madd(x, k0, a0); a1 = madd(x, k1, a1); a2 = madd(x, k2, a2); a3 = madd(x, k3, a3);
      if (pair) {
        const y = v128.load(qb + d);
        c0 = madd(y, k0, c0); c1 = madd(y, k1, c1); c2 = madd(y, k2, c2); c3 = madd(y, k3, c3);
      }
    }
    storeScores(ra, jj, j0, pos, window, hsum4x4(a0, a1, a2, a3), scale);
    if (pair) storeScores(rb, jj, j0, pos + 1, window, hsum4x4(c0, c1, c2, c3), scale);
  }
  for (; jj < n4; jj++) {
    store<f32>(ra + (<usize>jj << 2), score1(qa, kb, jj, n, j0, pos, window, hdBytes, rowStride, scale));
    if (pair) store<f32>(rb + (<usize>jj << 2), score1(qb, kb, jj, n, j0, pos + 1, window, hdBytes, rowStride, scale));
  }
}
