import type { KvBatchTables } from "../kv/kv-store.js";

/**
 * One forward step: tokens from any number of sequences (prompt chunks and decode tokens mixed), each with its
 * position in its own sequence, and each sequence's block table into the paged KV store (KvBatchTables: seqRows,
 * blockTables, maxBlocksPerSeq). Logits are computed only for `logitRows` (e.g. each sequence's last token).
 * Arrays may be longer than the batch (preallocated to a step's budget); only the first nTokens / nLogitRows /
 * nSeqRows entries count.
 */
export interface ForwardBatch extends KvBatchTables {
  readonly tokens: Int32Array; // [nTokens]
  /** Token rows whose logits are wanted, in output order: logitsOut row i belongs to token logitRows[i]. */
  readonly logitRows: Int32Array;
  readonly nLogitRows: number;
}
