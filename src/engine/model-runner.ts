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
}

/**
 * The model runner (vLLM's GPUModelRunner, here for any backend): the model and its paged KV store in the backend's
 * memory (the model keeps the logits buffer and reads it back). The engine fills a ForwardBatch (with block tables
 * from its prefix cache); `forward` records the pass and resolves with the logits rows it asked for.
 */
export class ModelRunner implements BatchModel {
  readonly kv: KvStore;
  readonly vocabSize: number;
  readonly logSumExp?: (x: Float32Array, n: number) => number;
  readonly topK?: (x: Float32Array, n: number, k: number, ids: Int32Array) => void;
  readonly whenReady?: () => Promise<void>;

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

  forward(batch: ForwardBatch): Promise<Float32Array> {
    return this.model.forward(batch, this.kv);
  }
}
