import type { ForwardBatch } from "../model/forward-batch.js";

/**
 * What the engine needs from the model runner: a forward pass over a mixed batch that reads and writes the paged
 * KV store through the block tables the batch carries. The engine (with the prefix cache) owns block allocation;
 * the runner owns the KV store of `numBlocks` blocks of `blockSize` positions and the logits buffer.
 */
export interface BatchModel {
  readonly vocabSize: number;
  /** Positions one sequence may hold in the KV store (0 … ctxLen-1). */
  readonly ctxLen: number;
  readonly blockSize: number;
  readonly numBlocks: number;
  /**
   * Resolves with logits [batch.nLogitRows, vocabSize] on the host, row i for batch.logitRows[i]; valid until the
   * next call. The pass is recorded when called; the promise waits for the logits to be read back. Rejects (the
   * batch's requests fail) when the pass fails.
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
