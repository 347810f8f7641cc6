/**
 * One engine step's input: rows of (token, position, sequence) from many sequences, plus each sequence's
 * block table into the paged KV cache. Arrays are preallocated to the step's token budget; only the first
 * `nTokens` (resp. `nLogitRows`) entries are meaningful.
 */
export interface ForwardBatch {
  nTokens: number;
  readonly tokens: Int32Array; // [nTokens]
  readonly positions: Int32Array; // [nTokens]
  readonly seqIds: Int32Array; // [nTokens]
  /** Row indices whose logits the engine needs (the last row of each sequence that samples this step). */
  nLogitRows: number;
  readonly logitRows: Int32Array; // [nLogitRows]
  /** seqId → physical KV block ids; position p of the sequence lives in block table[p / blockSize]. */
  readonly blockTables: Map<number, readonly number[]>;
}

/**
 * What the engine needs from a model: a forward pass over a mixed batch that reads and writes the paged KV
 * cache through the block tables it is given. The engine (with the prefix cache) owns block allocation;
 * the model owns the KV storage of `numBlocks` blocks of `blockSize` positions.
 */
export interface BatchModel {
  readonly vocabSize: number;
  readonly ctxLen: number;
  readonly blockSize: number;
  readonly numBlocks: number;
  /**
   * Resolves with logits [batch.nLogitRows, vocabSize], row i for batch.logitRows[i]; valid until the next call.
   * The pass is recorded when called; the promise waits for the logits to be read back.
   */
  forward(batch: ForwardBatch): Promise<Float32Array>;
  /** log Σ exp over a row of logits where the backend computes it (KernelBackend.logSumExp). */
  logSumExp?(x: Float32Array, n: number): number;
  /** The k best indices of a row of logits where the backend selects them (KernelBackend.topK). */
  topK?(x: Float32Array, n: number, k: number, ids: Int32Array): void;
  /**
   * After a forward pass threw, the engine awaits this before the next step (KernelBackend.whenReady: e.g. the wasm
   * pool's rebuilt workers are up); a rejection means the model cannot run again and the engine fails closed.
   */
  whenReady?(): Promise<void>;
}

export function createForwardBatch(maxTokens: number, maxSeqs: number): ForwardBatch {
  return {
    nTokens: 0,
    tokens: new Int32Array(maxTokens),
    positions: new Int32Array(maxTokens),
    seqIds: new Int32Array(maxTokens),
    nLogitRows: 0,
    logitRows: new Int32Array(Math.max(maxSeqs, 1)),
    blockTables: new Map(),
  };
}
