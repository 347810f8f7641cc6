import type { ForwardBatch } from "./forward-batch.js";

/**
 * A batch holding tokens[start, end) of one sequence at positions start…end-1 (a prompt chunk or one decode
 * token); logits for every row or only the last. The sequence owns the store's blocks in order (block table
 * 0, 1, 2, … for as many blocks as the sequence spans), the way a caller with one sequence and a store of its own uses it.
 */
export function sequenceBatch(tokens: ArrayLike<number>, start: number, end: number, seqId: number,
  logits: "all" | "last"): ForwardBatch {
  const n = end - start;
  const batch = {
    nTokens: n,
    tokens: new Int32Array(n),
    positions: new Int32Array(n),
    seqIds: new Int32Array(n).fill(seqId),
    logitRows: logits === "all" ? new Int32Array(n) : new Int32Array([n - 1]),
    nLogitRows: logits === "all" ? n : 1,
    ...ownBlockTable(end),
  };
  for (let i = 0; i < n; i++) {
    batch.tokens[i] = tokens[start + i]!;
    batch.positions[i] = start + i;
    if (logits === "all") batch.logitRows[i] = i;
  }
  return batch;
}

// Shared by every ownBlockTable (never written once filled), grown to the longest asked: a decode loop allocates none.
let ownTable = new Int32Array(0);
let ownRows = new Int32Array(0);

/**
 * The block table of one sequence owning blocks 0, 1, 2, … of a store, for positions below nPositions: one row
 * of at least nPositions entries (enough for any block size), every token in row 0 (seqRows holds at least
 * nPositions zeros, so a batch of up to that many tokens can use it). The arrays are shared: read them only.
 */
export function ownBlockTable(nPositions: number): Pick<ForwardBatch, "seqRows" | "nSeqRows" | "blockTables" | "maxBlocksPerSeq"> {
  if (ownTable.length < nPositions) {
    ownTable = Int32Array.from({ length: Math.max(nPositions, 2 * ownTable.length) }, (_, i) => i);
    ownRows = new Int32Array(ownTable.length);
  }
  return { seqRows: ownRows, nSeqRows: 1, blockTables: ownTable, maxBlocksPerSeq: ownTable.length };
}
