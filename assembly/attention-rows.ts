import { exp4 } from "./activation";
import { rescaleRow } from "./attention";
import { hmax, hsum, hsum4x4, loadF16x4 } from "./f16";
import { madd } from "./int-dot";

// Attention (see attention.ts) over an f32 or f16 KV cache with the loops turned for decode batches: a unit is one
// token and a group of its heads, and for every four keys the kernel runs all the unit's heads before the next
// four, so each K and V row is read whole and once per unit (contiguous) instead of once per head (strided): the
// cache of 8 decoding sequences is larger than L2, and that read costs as much as the arithmetic. Query heads of a
// GQA group go two at a time over the same loaded K and V (the last alone in an odd group). Each head keeps its
// online-softmax state (m, l) in `stats` ([nTokens, nHeads] pairs of f32) and its output row in `out`. Keys go four
// at a time (no soft-capping).
// Units [r0, r1): u = t · (nHeads / headsPerUnit) + g covers query heads [g · headsPerUnit, (g + 1) · headsPerUnit);
// headsPerUnit (params word 11) is a multiple of the GQA group and divides nHeads. Reference: kernels/ref/attention.ts.

const KIND_F32 = 0;
const KIND_F16 = 1;

@inline function load4(kind: i32, p: usize): v128 {
  return kind == KIND_F32 ? v128.load(p) : loadF16x4(p);
}

export function attentionRows(out: usize, q: usize, k: usize, v: usize, params: usize, stats: usize, r0: i32, r1: i32): void {
  attentionRowsKind(KIND_F32, out, q, k, v, params, stats, r0, r1);
}

export function attentionRowsF16(out: usize, q: usize, k: usize, v: usize, params: usize, stats: usize, r0: i32, r1: i32): void {
  attentionRowsKind(KIND_F16, out, q, k, v, params, stats, r0, r1);
}

@inline function attentionRowsKind(kind: i32, out: usize, q: usize, k: usize, v: usize, params: usize, stats: usize, r0: i32, r1: i32): void {
  const nHeads = load<i32>(params), nKvHeads = load<i32>(params, 4), headDim = load<i32>(params, 8);
  const scale = load<f32>(params, 12), softcap = load<f32>(params, 16);
  const window = load<i32>(params, 20), blockSize = load<i32>(params, 24), maxBlocks = load<i32>(params, 28);
  const positions = <usize>load<i32>(params, 32), tokenSeq = <usize>load<i32>(params, 36);
  const blockTables = <usize>load<i32>(params, 40), headsPerUnit = load<i32>(params, 44);
  const group = nHeads / nKvHeads, unitsPerToken = nHeads / headsPerUnit;
  const kvDim = <usize>(nKvHeads * headDim);
  const qDim = <usize>(nHeads * headDim);
  const hdBytes = <usize>headDim << 2;
  const eShift: usize = kind == KIND_F32 ? 2 : 1;
  const rowStride = kvDim << eShift, hdStored = <usize>headDim << eShift;
  for (let u = r0; u < r1; u++) {
    const t = u / unitsPerToken, h0 = (u % unitsPerToken) * headsPerUnit, h1 = h0 + headsPerUnit;
    const pos = load<i32>(positions + (<usize>t << 2));
    const first = window > 0 ? max(0, pos - window + 1) : 0;
    const table = blockTables + (<usize>(load<i32>(tokenSeq + (<usize>t << 2)) * maxBlocks) << 2);
    const tq = q + ((<usize>t * qDim) << 2), to = out + ((<usize>t * qDim) << 2);
    const ts = stats + ((<usize>t * <usize>nHeads) << 3);
    const kvOff0 = <usize>(h0 / group) * hdStored;
    memory.fill(to + <usize>h0 * hdBytes, 0, <usize>headsPerUnit * hdBytes);
    for (let h = h0; h < h1; h++) {
      store<f32>(ts + (<usize>h << 3), -Infinity);
      store<f32>(ts + (<usize>h << 3), 0, 4);
    }
    for (let b = first / blockSize; b <= pos / blockSize; b++) {
      const slot0 = load<i32>(table + (<usize>b << 2)) * blockSize;
      const j0 = max(first, b * blockSize), j1 = min(pos + 1, (b + 1) * blockSize);
      let j = j0;
      if (softcap == 0) {
        for (; j + 4 <= j1; j += 4) {
          const row = <usize>(slot0 + j - b * blockSize) * rowStride;
          // KV head by KV head; two query heads of its group at a time (their K and V loads and f16 conversions
          // shared), the last one alone in an odd group.
          for (let h = h0, kvRow = row + kvOff0; h < h1; kvRow += hdStored) {
            for (let i = 0; i < group;) {
              const qRow = tq + <usize>h * hdBytes, oRow = to + <usize>h * hdBytes, st = ts + (<usize>h << 3);
              if (i + 1 < group) {
                keys4Pair(kind, k + kvRow, v + kvRow, rowStride, qRow, oRow, st, hdBytes, scale);
                i += 2;
                h += 2;
              } else {
                keys4(kind, k + kvRow, v + kvRow, rowStride, qRow, oRow, st, hdBytes, scale);
                i++;
                h++;
              }
            }
          }
        }
      }
      for (; j < j1; j++) {
        const row = <usize>(slot0 + j - b * blockSize) * rowStride;
        for (let h = h0; h < h1; h++) {
          const kvOff = <usize>(h / group) * hdStored;
          const kRow = k + row + kvOff, vRow = v + row + kvOff;
          const qRow = tq + <usize>h * hdBytes, oRow = to + <usize>h * hdBytes, st = ts + (<usize>h << 3);
          let acc = f32x4.splat(0);
          for (let d: usize = 0, e: usize = 0; d < hdBytes; d += 16, e += 4 << eShift) acc = madd(v128.load(qRow + d), load4(kind, kRow + e), acc);
          let s = hsum(acc) * scale;
          if (softcap > 0) s = softcap * <f32>Math.tanh(<f64>(s / softcap));
          let m = load<f32>(st), l = load<f32>(st, 4);
          if (s > m) {
            l *= rescaleRow(oRow, hdBytes, m - s);
            m = s;
            store<f32>(st, m);
          }
          const p = Mathf.exp(s - m);
          store<f32>(st, l + p, 4);
          const pv = f32x4.splat(p);
          for (let d: usize = 0, e: usize = 0; d < hdBytes; d += 16, e += 4 << eShift) {
            v128.store(oRow + d, madd(pv, load4(kind, vRow + e), v128.load(oRow + d)));
          }
        }
      }
    }
    for (let h = h0; h < h1; h++) {
      const l = load<f32>(ts + (<usize>h << 3), 4);
      const inv = f32x4.splat(l > 0 ? 1 / l : 0), oRow = to + <usize>h * hdBytes;
      for (let d: usize = 0; d < hdBytes; d += 16) v128.store(oRow + d, f32x4.mul(v128.load(oRow + d), inv));
    }
  }
}

// Four keys (rows at k0, v0, rowStride apart) for one head: scores, the online-softmax update of (m, l) at st, and
// the four V rows into the output row.
@inline function keys4(kind: i32, k0: usize, v0: usize, rowStride: usize, qRow: usize, oRow: usize, st: usize, hdBytes: usize, scale: f32): void {
  const eStep: usize = kind == KIND_F32 ? 16 : 8;
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let d: usize = 0, e: usize = 0; d < hdBytes; d += 16, e += eStep) {
    const qv = v128.load(qRow + d);
    c0 = madd(qv, load4(kind, k0 + e), c0);
    c1 = madd(qv, load4(kind, k0 + rowStride + e), c1);
    c2 = madd(qv, load4(kind, k0 + 2 * rowStride + e), c2);
    c3 = madd(qv, load4(kind, k0 + 3 * rowStride + e), c3);
  }
  const pv = softmax4(f32x4.mul(hsum4x4(c0, c1, c2, c3), f32x4.splat(scale)), oRow, st, hdBytes);
  const p0 = v128.shuffle<f32>(pv, pv, 0, 0, 0, 0), p1 = v128.shuffle<f32>(pv, pv, 1, 1, 1, 1);
  const p2 = v128.shuffle<f32>(pv, pv, 2, 2, 2, 2), p3 = v128.shuffle<f32>(pv, pv, 3, 3, 3, 3);
  for (let d: usize = 0, e: usize = 0; d < hdBytes; d += 16, e += eStep) {
    let o = madd(p0, load4(kind, v0 + e), v128.load(oRow + d));
    o = madd(p1, load4(kind, v0 + rowStride + e), o);
    o = madd(p2, load4(kind, v0 + 2 * rowStride + e), o);
    v128.store(oRow + d, madd(p3, load4(kind, v0 + 3 * rowStride + e), o));
  }
}

// keys4 for two query heads (rows qRow and qRow + hdBytes, state pairs at st and st + 8) over the same K and V rows.
@inline function keys4Pair(kind: i32, k0: usize, v0: usize, rowStride: usize, qRow: usize, oRow: usize, st: usize, hdBytes: usize, scale: f32): void {
  const eStep: usize = kind == KIND_F32 ? 16 : 8;
  const qb = qRow + hdBytes, ob = oRow + hdBytes;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let d: usize = 0, e: usize = 0; d < hdBytes; d += 16, e += eStep) {
    const x = v128.load(qRow + d), y = v128.load(qb + d);
    const kr0 = load4(kind, k0 + e), kr1 = load4(kind, k0 + rowStride + e);
    const kr2 = load4(kind, k0 + 2 * rowStride + e), kr3 = load4(kind, k0 + 3 * rowStride + e);
    a0 = madd(x, kr0, a0); a1 = madd(x, kr1, a1); a2 = madd(x, kr2, a2); a3 = madd(x, kr3, a3);
    c0 = madd(y, kr0, c0); c1 = madd(y, kr1, c1); c2 = madd(y, kr2, c2); c3 = madd(y, kr3, c3);
  }
  const pa = softmax4(f32x4.mul(hsum4x4(a0, a1, a2, a3), f32x4.splat(scale)), oRow, st, hdBytes);
  const pb = softmax4(f32x4.mul(hsum4x4(c0, c1, c2, c3), f32x4.splat(scale)), ob, st + 8, hdBytes);
  const pa0 = v128.shuffle<f32>(pa, pa, 0, 0, 0, 0), pa1 = v128.shuffle<f32>(pa, pa, 1, 1, 1, 1);
  const pa2 = v128.shuffle<f32>(pa, pa, 2, 2, 2, 2), pa3 = v128.shuffle<f32>(pa, pa, 3, 3, 3, 3);
  const pb0 = v128.shuffle<f32>(pb, pb, 0, 0, 0, 0), pb1 = v128.shuffle<f32>(pb, pb, 1, 1, 1, 1);
  const pb2 = v128.shuffle<f32>(pb, pb, 2, 2, 2, 2), pb3 = v128.shuffle<f32>(pb, pb, 3, 3, 3, 3);
  for (let d: usize = 0, e: usize = 0; d < hdBytes; d += 16, e += eStep) {
    const vr0 = load4(kind, v0 + e), vr1 = load4(kind, v0 + rowStride + e);
    const vr2 = load4(kind, v0 + 2 * rowStride + e), vr3 = load4(kind, v0 + 3 * rowStride + e);
    v128.store(oRow + d, madd(pa3, vr3, madd(pa2, vr2, madd(pa1, vr1, madd(pa0, vr0, v128.load(oRow + d))))));
    v128.store(ob + d, madd(pb3, vr3, madd(pb2, vr2, madd(pb1, vr1, madd(pb0, vr0, v128.load(ob + d))))));
  }
}

// Four scores sv of one head: raise its running maximum (m at st, rescaling the output row and l at st + 4), add
// their weights to l; returns the weights e^(s − m).
@inline function softmax4(sv: v128, oRow: usize, st: usize, hdBytes: usize): v128 {
  const smax = hmax(sv);
  let m = load<f32>(st), l = load<f32>(st, 4);
  if (smax > m) {
    l *= rescaleRow(oRow, hdBytes, m - smax);
    m = smax;
    store<f32>(st, m);
  }
  const pv = exp4(f32x4.sub(sv, f32x4.splat(m)));
  store<f32>(st, l + hsum(pv), 4);
  return pv;
}
