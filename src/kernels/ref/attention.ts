import type { AttentionParams, KvBatchView } from "../backend.js";

/** Copies each token's new K and V row into its cache slot. */
export function refKvAppend(kCache: Float32Array, vCache: Float32Array, k: Float32Array, v: Float32Array,
  kvDim: number, kv: KvBatchView): void {
  for (let t = 0; t < kv.nTokens; t++) {
    const dst = kv.slots[t]! * kvDim;
    for (let i = 0; i < kvDim; i++) {
      kCache[dst + i] = k[t * kvDim + i]!;
      vCache[dst + i] = v[t * kvDim + i]!;
    }
  }
}

/**
 * Causal (optionally sliding-window, soft-capped) multi-head attention of each token over its own sequence's
 * cached positions, read through the block table; GQA maps head h to KV head floor(h / (nHeads / nKvHeads)).
 * `scores` is scratch of at least the longest attended span. Sums in float64.
 */
export function refAttention(out: Float32Array, q: Float32Array, kCache: Float32Array, vCache: Float32Array,
  p: AttentionParams, kv: KvBatchView, scores: Float64Array): void {
  const { nHeads, nKvHeads, headDim, scale, softcap, window } = p;
  const group = nHeads / nKvHeads;
  const kvDim = nKvHeads * headDim;
  const qDim = nHeads * headDim;
  for (let t = 0; t < kv.nTokens; t++) {
    const pos = kv.positions[t]!;
    const first = window > 0 ? Math.max(0, pos - window + 1) : 0;
    const tableBase = kv.tokenSeq[t]! * kv.maxBlocksPerSeq;
    for (let h = 0; h < nHeads; h++) {
      const qBase = t * qDim + h * headDim;
      const kvOff = Math.floor(h / group) * headDim;
      let max = -Infinity;
      for (let j = first; j <= pos; j++) {
        const slot = kv.blockTables[tableBase + Math.floor(j / kv.blockSize)]! * kv.blockSize + (j % kv.blockSize);
        const kBase = slot * kvDim + kvOff;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[qBase + d]! * kCache[kBase + d]!;
        let s = dot * scale;
        if (softcap > 0) s = softcap * Math.tanh(s / softcap);
        scores[j - first] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = first; j <= pos; j++) {
        const e = Math.exp(scores[j - first]! - max);
        scores[j - first] = e;
        sum += e;
      }
      const oBase = t * qDim + h * headDim;
      for (let d = 0; d < headDim; d++) out[oBase + d] = 0;
      for (let j = first; j <= pos; j++) {
        const slot = kv.blockTables[tableBase + Math.floor(j / kv.blockSize)]! * kv.blockSize + (j % kv.blockSize);
        const vBase = slot * kvDim + kvOff;
        const w = scores[j - first]! / sum;
        for (let d = 0; d < headDim; d++) out[oBase + d] = out[oBase + d]! + w * vCache[vBase + d]!;
      }
    }
  }
}
