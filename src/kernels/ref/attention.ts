import type { AttentionParams, KvBatchView } from "../backend.js";
import { f16ToF32Table } from "../../quant/half.js";
import { kvRowUnits, Q8_0_BLOCK_BYTES, type KvRows } from "../kv-layer.js";
import { writeKvRow } from "./kv-rows.js";

/** Writes each token's new K and V row into its cache slot, converted to the layers' stored type (kv-rows.ts). */
export function refKvAppend(kCache: KvRows, vCache: KvRows, k: Float32Array, v: Float32Array,
  kvDim: number, kv: KvBatchView): void {
  for (let t = 0; t < kv.nTokens; t++) {
    writeKvRow(kCache, kv.slots[t]!, kvDim, k, t * kvDim);
    writeKvRow(vCache, kv.slots[t]!, kvDim, v, t * kvDim);
  }
}

/** q · (values off … off + n of cache row `slot`), the cached values read exactly in their stored type. */
function dotRow(q: Float32Array, qBase: number, c: KvRows, slot: number, kvDim: number, off: number, n: number): number {
  let dot = 0;
  if (c instanceof Float32Array) {
    const base = slot * kvDim + off;
    for (let d = 0; d < n; d++) dot += q[qBase + d]! * c[base + d]!;
  } else if (c instanceof Uint16Array) {
    const base = slot * kvDim + off;
    for (let d = 0; d < n; d++) dot += q[qBase + d]! * f16ToF32Table[c[base + d]!]!;
  } else {
    const row = slot * kvRowUnits("q8_0", kvDim);
    for (let d = 0; d < n; d++) {
      const i = off + d, b = row + (i >> 5) * Q8_0_BLOCK_BYTES;
      dot += q[qBase + d]! * (f16ToF32Table[c[b]! | (c[b + 1]! << 8)]! * ((c[b + 2 + (i & 31)]! << 24) >> 24));
    }
  }
  return dot;
}

/** out[oBase + d] += w · (value off + d of cache row `slot`). */
function accumulateRow(out: Float32Array, oBase: number, w: number, c: KvRows, slot: number, kvDim: number, off: number, n: number): void {
  if (c instanceof Float32Array) {
    const base = slot * kvDim + off;
    for (let d = 0; d < n; d++) out[oBase + d] = out[oBase + d]! + w * c[base + d]!;
  } else if (c instanceof Uint16Array) {
    const base = slot * kvDim + off;
    for (let d = 0; d < n; d++) out[oBase + d] = out[oBase + d]! + w * f16ToF32Table[c[base + d]!]!;
  } else {
    const row = slot * kvRowUnits("q8_0", kvDim);
    for (let d = 0; d < n; d++) {
      const i = off + d, b = row + (i >> 5) * Q8_0_BLOCK_BYTES;
      out[oBase + d] = out[oBase + d]! + w * (f16ToF32Table[c[b]! | (c[b + 1]! << 8)]! * ((c[b + 2 + (i & 31)]! << 24) >> 24));
    }
  }
}

/**
 * Causal (optionally sliding-window, soft-capped) multi-head attention of each token over its own sequence's
 * cached positions, read through the block table; GQA maps head h to KV head floor(h / (nHeads / nKvHeads)).
 * `scores` is scratch of at least the longest attended span. Sums in float64. f16 and q8_0 layers are dequantized
 * on the fly (exactly: each stored value is a float32), so the result equals f32 attention over the dequantized cache.
 */
export function refAttention(out: Float32Array, q: Float32Array, kCache: KvRows, vCache: KvRows,
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
        let s = dotRow(q, qBase, kCache, slot, kvDim, kvOff, headDim) * scale;
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
        accumulateRow(out, oBase, scores[j - first]! / sum, vCache, slot, kvDim, kvOff, headDim);
      }
    }
  }
}
