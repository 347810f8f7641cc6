import type { ForwardBatch } from "./transformer.js";

/**
 * A batch holding tokens[start, end) of one sequence at positions start…end-1 (a prompt chunk or one decode
 * token); logits for every row or only the last.
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
  };
  for (let i = 0; i < n; i++) {
    batch.tokens[i] = tokens[start + i]!;
    batch.positions[i] = start + i;
    if (logits === "all") batch.logitRows[i] = i;
  }
  return batch;
}
