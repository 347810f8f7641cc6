import { exp4 } from "./activation";
import { rescaleRow } from "./attention";
import { hmax, hsum, hsum4x4 } from "./f16";
import { madd } from "./int-dot";

// Attention (see attention.ts) for two query heads of one GQA group at a time (group size even, no soft-capping,
// f32 KV): each K and V row is loaded once for both heads. Units [r0, r1) index (token, head pair),
// u = t · nHeads/2 + h/2. Keys go four at a time (one vector exponential per head), the rest one by one.

export function attentionPairs(out: usize, q: usize, k: usize, v: usize, params: usize, unused: i32, r0: i32, r1: i32): void {
  const nHeads = load<i32>(params), nKvHeads = load<i32>(params, 4), headDim = load<i32>(params, 8);
  const scale = load<f32>(params, 12);
  const window = load<i32>(params, 20), blockSize = load<i32>(params, 24), maxBlocks = load<i32>(params, 28);
  const positions = <usize>load<i32>(params, 32), tokenSeq = <usize>load<i32>(params, 36);
  const blockTables = <usize>load<i32>(params, 40);
  const group = nHeads / nKvHeads, half = nHeads >> 1;
  const kvDim = <usize>(nKvHeads * headDim);
  const qDim = <usize>(nHeads * headDim);
  const hdBytes = <usize>headDim << 2;
  const rowStride = kvDim << 2;
  for (let u = r0; u < r1; u++) {
    const t = u / half, h = (u % half) << 1;
    const pos = load<i32>(positions + (<usize>t << 2));
    const first = window > 0 ? max(0, pos - window + 1) : 0;
    const table = blockTables + (<usize>(load<i32>(tokenSeq + (<usize>t << 2)) * maxBlocks) << 2);
    const qa = q + ((<usize>t * qDim + <usize>h * <usize>headDim) << 2), qb = qa + hdBytes;
    const oa = out + ((<usize>t * qDim + <usize>h * <usize>headDim) << 2), ob = oa + hdBytes;
    const kvOff = (<usize>(h / group) * <usize>headDim) << 2;
    memory.fill(oa, 0, 2 * hdBytes);
    let ma: f32 = -Infinity, la: f32 = 0, mb: f32 = -Infinity, lb: f32 = 0;
    for (let b = first / blockSize; b <= pos / blockSize; b++) {
      const slot0 = load<i32>(table + (<usize>b << 2)) * blockSize;
      const j0 = max(first, b * blockSize), j1 = min(pos + 1, (b + 1) * blockSize);
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        const row = (<usize>(slot0 + j - b * blockSize) * kvDim << 2) + kvOff;
        const k0 = k + row, v0 = v + row;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        for (let d: usize = 0; d < hdBytes; d += 16) {
          const x = v128.load(qa + d), y = v128.load(qb + d);
          const kr0 = v128.load(k0 + d), kr1 = v128.load(k0 + rowStride + d);
          const kr2 = v128.load(k0 + 2 * rowStride + d), kr3 = v128.load(k0 + 3 * rowStride + d);
          a0 = madd(x, kr0, a0); a1 = madd(x, kr1, a1); a2 = madd(x, kr2, a2); a3 = madd(x, kr3, a3);
          c0 = madd(y, kr0, c0); c1 = madd(y, kr1, c1); c2 = madd(y, kr2, c2); c3 = madd(y, kr3, c3);
        }
        const sa = f32x4.mul(hsum4x4(a0, a1, a2, a3), f32x4.splat(scale));
        const sb = f32x4.mul(hsum4x4(c0, c1, c2, c3), f32x4.splat(scale));
        const xa = hmax(sa), xb = hmax(sb);
        if (xa > ma) {
          la *= rescaleRow(oa, hdBytes, ma - xa);
          ma = xa;
        }
        if (xb > mb) {
          lb *= rescaleRow(ob, hdBytes, mb - xb);
          mb = xb;
        }
        const pa = exp4(f32x4.sub(sa, f32x4.splat(ma))), pb = exp4(f32x4.sub(sb, f32x4.splat(mb)));
        la += hsum(pa);
        lb += hsum(pb);
        const pa0 = v128.shuffle<f32>(pa, pa, 0, 0, 0, 0), pa1 = v128.shuffle<f32>(pa, pa, 1, 1, 1, 1);
        const pa2 = v128.shuffle<f32>(pa, pa, 2, 2, 2, 2), pa3 = v128.shuffle<f32>(pa, pa, 3, 3, 3, 3);
        const pb0 = v128.shuffle<f32>(pb, pb, 0, 0, 0, 0), pb1 = v128.shuffle<f32>(pb, pb, 1, 1, 1, 1);
        const pb2 = v128.shuffle<f32>(pb, pb, 2, 2, 2, 2), pb3 = v128.shuffle<f32>(pb, pb, 3, 3, 3, 3);
        for (let d: usize = 0; d < hdBytes; d += 16) {
          const vr0 = v128.load(v0 + d), vr1 = v128.load(v0 + rowStride + d);
          const vr2 = v128.load(v0 + 2 * rowStride + d), vr3 = v128.load(v0 + 3 * rowStride + d);
          v128.store(oa + d, madd(pa3, vr3, madd(pa2, vr2, madd(pa1, vr1, madd(pa0, vr0, v128.load(oa + d))))));
          v128.store(ob + d, madd(pb3, vr3, madd(pb2, vr2, madd(pb1, vr1, madd(pb0, vr0, v128.load(ob + d))))));
        }
      }
      for (; j < j1; j++) {
        const row = (<usize>(slot0 + j - b * blockSize) * kvDim << 2) + kvOff;
        const kRow = k + row, vRow = v + row;
        let a = f32x4.splat(0), c = f32x4.splat(0);
        for (let d: usize = 0; d < hdBytes; d += 16) {
          const kr = v128.load(kRow + d);
          a = madd(v128.load(qa + d), kr, a);
          c = madd(v128.load(qb + d), kr, c);
        }
        const s = hsum(a) * scale, r = hsum(c) * scale;
        if (s > ma) {
          la *= rescaleRow(oa, hdBytes, ma - s);
          ma = s;
        }
        if (r > mb) {
          lb *= rescaleRow(ob, hdBytes, mb - r);
          mb = r;
        }
        const p = Mathf.exp(s - ma), pr = Mathf.exp(r - mb);
        la += p;
        lb += pr;
        const pv = f32x4.splat(p), pw = f32x4.splat(pr);
        for (let d: usize = 0; d < hdBytes; d += 16) {
          const vr = v128.load(vRow + d);
          v128.store(oa + d, madd(pv, vr, v128.load(oa + d)));
          v128.store(ob + d, madd(pw, vr, v128.load(ob + d)));
        }
      }
    }
    const ia = f32x4.splat(la > 0 ? 1 / la : 0), ib = f32x4.splat(lb > 0 ? 1 / lb : 0);
    for (let d: usize = 0; d < hdBytes; d += 16) {
      v128.store(oa + d, f32x4.mul(v128.load(oa + d), ia));
      v128.store(ob + d, f32x4.mul(v128.load(ob + d), ib));
    }
  }
}
