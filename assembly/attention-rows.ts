import { exp4 } from "./activation";
import { rescaleRow } from "./attention";
import { hmax, hsum, hsum4x4, loadF16x4 } from "./f16";
import { madd } from "./int-dot";

// Attention (see attention.ts) over an f32 or f16 KV cache with the loops turned for decode batches: a unit is one
// token and a group of its heads, and for every four keys the kernel runs all the unit's heads before the next
// four, so each K and V row is read whole and once per unit (contiguous) instead of once per head (strided). The
// cache of 8 decoding sequences is far larger than L2, so that read, not the arithmetic, sets the pace. Each head
// keeps its online-softmax state (m, l) in `stats` ([nTokens, nHeads] pairs of f32) and its output row in `out`.
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
  let touched: i32 = 0;
  for (let u = r0; u < r1; u++) {
    const t = u / unitsPerToken, h0 = (u % unitsPerToken) * headsPerUnit, h1 = h0 + headsPerUnit;
    const pos = load<i32>(positions + (<usize>t << 2));
    const first = window > 0 ? max(0, pos - window + 1) : 0;
    const seq = load<i32>(tokenSeq + (<usize>t << 2));
    const touchAhead = t == 0 || load<i32>(tokenSeq + (<usize>(t - 1) << 2)) != seq;
    const table = blockTables + (<usize>(seq * maxBlocks) << 2);
    const tq = q + ((<usize>t * qDim) << 2), to = out + ((<usize>t * qDim) << 2);
    const ts = stats + ((<usize>t * <usize>nHeads) << 3);
    memory.fill(to + <usize>h0 * hdBytes, 0, <usize>headsPerUnit * hdBytes);
    for (let h = h0; h < h1; h++) {
      store<f32>(ts + (<usize>h << 3), -Infinity);
      store<f32>(ts + (<usize>h << 3), 0, 4);
    }
    for (let b = first / blockSize; b <= pos / blockSize; b++) {
      const slot0 = load<i32>(table + (<usize>b << 2)) * blockSize;
      const j0 = max(first, b * blockSize), j1 = min(pos + 1, (b + 1) * blockSize);
      // Touch the next block's K and V rows (one load per 64-byte line) so that their misses overlap this block's
      // work (wasm has no prefetch): 7 % less time for 8 decoding sequences whose cache is beyond L2. Only the
      // batch's first token of a sequence does it; the sequence's later tokens (a prefill chunk) find the rows cached.
      if (touchAhead && b < pos / blockSize) {
        const next = <usize>(load<i32>(table + (<usize>(b + 1) << 2)) * blockSize) * rowStride;
        const n = <usize>blockSize * rowStride;
        let x: i32 = 0;
        for (let o: usize = 0; o < n; o += 64) x |= load<i32>(k + next + o) | load<i32>(v + next + o);
        touched |= x;
      }
      let j = j0;
      if (softcap == 0) {
        for (; j + 4 <= j1; j += 4) {
          const row = <usize>(slot0 + j - b * blockSize) * rowStride;
          for (let h = h0; h < h1; h++) {
            const kvOff = <usize>(h / group) * hdStored;
            const k0 = k + row + kvOff, v0 = v + row + kvOff;
            const qRow = tq + <usize>h * hdBytes, oRow = to + <usize>h * hdBytes, st = ts + (<usize>h << 3);
            let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
            for (let d: usize = 0, e: usize = 0; d < hdBytes; d += 16, e += 4 << eShift) {
              const qv = v128.load(qRow + d);
              c0 = madd(qv, load4(kind, k0 + e), c0);
              c1 = madd(qv, load4(kind, k0 + rowStride + e), c1);
              c2 = madd(qv, load4(kind, k0 + 2 * rowStride + e), c2);
              c3 = madd(qv, load4(kind, k0 + 3 * rowStride + e), c3);
            }
            const sv = f32x4.mul(hsum4x4(c0, c1, c2, c3), f32x4.splat(scale));
            const smax = hmax(sv);
            let m = load<f32>(st), l = load<f32>(st, 4);
            if (smax > m) {
              l *= rescaleRow(oRow, hdBytes, m - smax);
              m = smax;
              store<f32>(st, m);
            }
            const pv = exp4(f32x4.sub(sv, f32x4.splat(m)));
            store<f32>(st, l + hsum(pv), 4);
            const p0 = v128.shuffle<f32>(pv, pv, 0, 0, 0, 0), p1 = v128.shuffle<f32>(pv, pv, 1, 1, 1, 1);
            const p2 = v128.shuffle<f32>(pv, pv, 2, 2, 2, 2), p3 = v128.shuffle<f32>(pv, pv, 3, 3, 3, 3);
            for (let d: usize = 0, e: usize = 0; d < hdBytes; d += 16, e += 4 << eShift) {
              let o = madd(p0, load4(kind, v0 + e), v128.load(oRow + d));
              o = madd(p1, load4(kind, v0 + rowStride + e), o);
              o = madd(p2, load4(kind, v0 + 2 * rowStride + e), o);
              v128.store(oRow + d, madd(p3, load4(kind, v0 + 3 * rowStride + e), o));
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
  store<i32>(params, touched, 48); // the touched words go to a sink word, so that the loads stay
}
