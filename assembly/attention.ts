import { exp4 } from "./activation";
import { hmax, hsum, hsum4x4 } from "./f16";
import { madd } from "./int-dot";

// Causal multi-head attention over the paged KV cache, one pass over K and V per head with the online softmax
// (Milakov & Gimelshein 2018): a running maximum m and denominator l, the output rescaled when m grows.
// Units [r0, r1) index (token, head) pairs, u = t · nHeads + h; GQA reads KV head h / (nHeads / nKvHeads).
// `params` (i32 words): nHeads, nKvHeads, headDim (a multiple of 4), scale (f32 bits), softcap (f32 bits, 0 = none),
// window (0 = unlimited), blockSize, maxBlocksPerSeq, positions ptr, tokenSeq ptr, blockTables ptr.
// Scores are softcap(scale · q·k); as in kernels/ref/attention.ts.

// The online softmax's correction when the running maximum grows by −delta: the output row (n bytes) times
// e^delta; returns e^delta for the denominator.
@inline export function rescaleRow(oRow: usize, n: usize, delta: f32): f32 {
  const c = Mathf.exp(delta);
  const cv = f32x4.splat(c);
  for (let d: usize = 0; d < n; d += 16) v128.store(oRow + d, f32x4.mul(v128.load(oRow + d), cv));
  return c;
}

export function attention(out: usize, q: usize, k: usize, v: usize, params: usize, unused: i32, r0: i32, r1: i32): void {
  const nHeads = load<i32>(params), nKvHeads = load<i32>(params, 4), headDim = load<i32>(params, 8);
  const scale = load<f32>(params, 12), softcap = load<f32>(params, 16);
  const window = load<i32>(params, 20), blockSize = load<i32>(params, 24), maxBlocks = load<i32>(params, 28);
  const positions = <usize>load<i32>(params, 32), tokenSeq = <usize>load<i32>(params, 36);
  const blockTables = <usize>load<i32>(params, 40);
  const group = nHeads / nKvHeads;
  const kvDim = <usize>(nKvHeads * headDim);
  const qDim = <usize>(nHeads * headDim);
  const hdBytes = <usize>headDim << 2;
  for (let u = r0; u < r1; u++) {
    const t = u / nHeads, h = u % nHeads;
    const pos = load<i32>(positions + (<usize>t << 2));
    const first = window > 0 ? max(0, pos - window + 1) : 0;
    const table = blockTables + (<usize>(load<i32>(tokenSeq + (<usize>t << 2)) * maxBlocks) << 2);
    const qRow = q + ((<usize>t * qDim + <usize>h * <usize>headDim) << 2);
    const oRow = out + ((<usize>t * qDim + <usize>h * <usize>headDim) << 2);
    const kvOff = (<usize>(h / group) * <usize>headDim) << 2;
    memory.fill(oRow, 0, hdBytes);
    let m: f32 = -Infinity;
    let l: f32 = 0;
    for (let b = first / blockSize; b <= pos / blockSize; b++) {
      const slot0 = load<i32>(table + (<usize>b << 2)) * blockSize;
      const j0 = max(first, b * blockSize), j1 = min(pos + 1, (b + 1) * blockSize);
      const rowStride = kvDim << 2;
      let j = j0;
      // Keys four at a time (no soft-capping): four scores, one vector exponential, and one pass over the output
      // row for the four V rows.
      if (softcap == 0) {
        for (; j + 4 <= j1; j += 4) {
          const row = (<usize>(slot0 + j - b * blockSize) * kvDim << 2) + kvOff;
          const k0 = k + row, v0 = v + row;
          let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
          for (let d: usize = 0; d < hdBytes; d += 16) {
            const qv = v128.load(qRow + d);
            c0 = madd(qv, v128.load(k0 + d), c0);
            c1 = madd(qv, v128.load(k0 + rowStride + d), c1);
            c2 = madd(qv, v128.load(k0 + 2 * rowStride + d), c2);
            c3 = madd(qv, v128.load(k0 + 3 * rowStride + d), c3);
          }
          const sv = f32x4.mul(hsum4x4(c0, c1, c2, c3), f32x4.splat(scale));
          const smax = hmax(sv);
          if (smax > m) {
            l *= rescaleRow(oRow, hdBytes, m - smax);
            m = smax;
          }
          const pv = exp4(f32x4.sub(sv, f32x4.splat(m)));
          l += hsum(pv);
          const p0 = f32x4.splat(f32x4.extract_lane(pv, 0)), p1 = f32x4.splat(f32x4.extract_lane(pv, 1));
          const p2 = f32x4.splat(f32x4.extract_lane(pv, 2)), p3 = f32x4.splat(f32x4.extract_lane(pv, 3));
          for (let d: usize = 0; d < hdBytes; d += 16) {
            let o = madd(p0, v128.load(v0 + d), v128.load(oRow + d));
            o = madd(p1, v128.load(v0 + rowStride + d), o);
            o = madd(p2, v128.load(v0 + 2 * rowStride + d), o);
            v128.store(oRow + d, madd(p3, v128.load(v0 + 3 * rowStride + d), o));
          }
        }
      }
      for (; j < j1; j++) {
        const row = (<usize>(slot0 + j - b * blockSize) * kvDim << 2) + kvOff;
        const kRow = k + row, vRow = v + row;
        let acc = f32x4.splat(0);
        for (let d: usize = 0; d < hdBytes; d += 16) acc = madd(v128.load(qRow + d), v128.load(kRow + d), acc);
        let s = hsum(acc) * scale;
        if (softcap > 0) s = softcap * <f32>Math.tanh(<f64>(s / softcap));
        if (s > m) {
          l *= rescaleRow(oRow, hdBytes, m - s);
          m = s;
        }
        const p = Mathf.exp(s - m);
        l += p;
        const pv = f32x4.splat(p);
        for (let d: usize = 0; d < hdBytes; d += 16) v128.store(oRow + d, madd(pv, v128.load(vRow + d), v128.load(oRow + d)));
      }
    }
    const inv = f32x4.splat(l > 0 ? 1 / l : 0);
    for (let d: usize = 0; d < hdBytes; d += 16) v128.store(oRow + d, f32x4.mul(v128.load(oRow + d), inv));
  }
}
