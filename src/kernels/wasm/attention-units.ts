import type { KvBatchView } from "../backend.js";

// How WasmBackend.attention splits a batch into pool units.

/**
 * Query heads per attentionRows unit: whole KV-head groups, as many as still leave every thread about four units
 * (with one thread, or enough tokens, a unit is all of a token's heads).
 */
export function attentionHeadsPerUnit(nTokens: number, nHeads: number, nKvHeads: number, threads: number): number {
  const group = nHeads / nKvHeads;
  let kvPerUnit = nKvHeads;
  while (threads > 1 && nTokens * (nKvHeads / kvPerUnit) < 4 * threads && kvPerUnit > 1) {
    let d = kvPerUnit - 1;
    while (nKvHeads % d !== 0) d--;
    kvPerUnit = d;
  }
  return kvPerUnit * group;
}

/** Whether most tokens of a batch follow the previous one in the same sequence (a prompt chunk, not a decode batch). */
export function isPrefillBatch(kv: KvBatchView): boolean {
  const nT = kv.nTokens;
  if (nT < 4) return false;
  let next = 0;
  for (let t = 1; t < nT; t++) {
    if (kv.tokenSeq[t] === kv.tokenSeq[t - 1] && kv.positions[t] === kv.positions[t - 1]! + 1) next++;
  }
  return 2 * next >= nT;
}
