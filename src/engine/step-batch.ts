import type { ForwardBatch } from "../model/forward-batch.js";

/** The engine's ForwardBatch, filled in place every step. */
export type StepBatch = { -readonly [K in keyof ForwardBatch]: ForwardBatch[K] };

/**
 * Arrays for a step of up to maxTokens tokens from up to maxSeqs sequences, each with a block-table row of
 * maxBlocksPerSeq entries: allocated once, so a step allocates none.
 */
export function createStepBatch(maxTokens: number, maxSeqs: number, maxBlocksPerSeq: number): StepBatch {
  const rows = Math.max(maxSeqs, 1);
  return {
    nTokens: 0,
    tokens: new Int32Array(maxTokens),
    positions: new Int32Array(maxTokens),
    seqIds: new Int32Array(maxTokens),
    nLogitRows: 0,
    logitRows: new Int32Array(rows),
    seqRows: new Int32Array(maxTokens),
    nSeqRows: 0,
    blockTables: new Int32Array(rows * maxBlocksPerSeq),
    maxBlocksPerSeq,
  };
}
