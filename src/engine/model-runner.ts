import type { KvType } from "../kernels/kv-layer.js";
import type { KvStore } from "../kv/kv-store.js";
import type { ForwardBatch } from "../model/forward-batch.js";
import type { Model } from "../model/model-api.js";
import type { BatchModel } from "./batch-model.js";

export interface ModelRunnerOptions {
  /** Positions one sequence may hold (at most the model's context). */
  readonly ctxLen: number;
  /** Token slots of the KV store, shared by all sequences; default ctxLen. */
  readonly capacityTokens?: number;
  /** Tokens per KV block. Default 16. */
  readonly blockSize?: number;
  /** KV element type; default the model's. */
  readonly kvType?: KvType;
  /** Logit rows one step returns (the sequences sampling at once); the buffer grows if a step needs more. */
  readonly maxLogitRows: number;
}

/**
 * The model runner (vLLM's GPUModelRunner, here for any backend): the model, its paged KV store and the logits
 * buffer, in the backend's memory. The engine fills a ForwardBatch (with block tables from its prefix cache);
 * `forward` runs it and hands back the logits rows it asked for.
 */
export class ModelRunner implements BatchModel {
  readonly kv: KvStore;
  readonly vocabSize: number;
  readonly logSumExp?: (x: Float32Array, n: number) => number;
  readonly topK?: (x: Float32Array, n: number, k: number, ids: Int32Array) => void;
  readonly whenReady?: () => Promise<void>;
  private logits: Float32Array;
  private logitRows: number;

  constructor(
    readonly model: Model,
    o: ModelRunnerOptions,
  ) {
    this.kv = model.createKvStore({
      ctxLen: o.ctxLen,
      ...(o.capacityTokens !== undefined ? { capacityTokens: o.capacityTokens } : {}),
      ...(o.blockSize !== undefined ? { blockSize: o.blockSize } : {}),
      ...(o.kvType !== undefined ? { kvType: o.kvType } : {}),
    });
    this.vocabSize = model.config.vocabSize;
    this.logitRows = Math.max(o.maxLogitRows, 1);
    this.logits = model.allocLogits(this.logitRows);
    const backend = model.backend;
    if (backend.logSumExp) this.logSumExp = backend.logSumExp.bind(backend);
    if (backend.topK) this.topK = backend.topK.bind(backend);
    if (backend.whenReady) this.whenReady = backend.whenReady.bind(backend);
  }

  get ctxLen(): number {
    return this.kv.ctxLen;
  }

  get blockSize(): number {
    return this.kv.blockSize;
  }

  get numBlocks(): number {
    return this.kv.totalBlocks;
  }

  async forward(batch: ForwardBatch): Promise<Float32Array> {
    if (batch.nLogitRows > this.logitRows) {
      this.logitRows = batch.nLogitRows;
      this.logits = this.model.allocLogits(this.logitRows);
    }
    this.model.forward(batch, this.kv, this.logits);
    return this.logits.subarray(0, batch.nLogitRows * this.vocabSize);
  }
}
