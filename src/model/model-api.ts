import type { ModelFile } from "../formats/index.js";
import type { KernelBackend } from "../kernels/backend.js";
import type { KvType } from "../kernels/kv-layer.js";
import type { PagedKvCache } from "../kv/paged-kv-cache.js";
import type { ArchSpec } from "./arch-spec.js";
import type { ActivationHook } from "./block-context.js";
import type { ModelConfig } from "./config.js";
import type { LoadProgress } from "./load-weights.js";
import type { ForwardBatch } from "./transformer.js";

export interface LoadModelOptions {
  /** Kernel backend; default the scalar reference backend. */
  readonly backend?: KernelBackend;
  readonly onProgress?: LoadProgress;
  /** Scratch is sized for this many tokens per forward call (grown on demand). Default 64. */
  readonly maxBatchTokens?: number;
  /** Default element type of the KV caches createKvCache makes (f32, f16 or q8_0). Default f32. */
  readonly kvType?: KvType;
}

export interface KvCacheSizing {
  /** Longest sequence; at most the model's ctxLen, default min(ctxLen, 4096) so a 128K-context model does not reserve 128K positions unasked. */
  readonly ctxLen?: number;
  readonly maxSeqs?: number;
  readonly capacityTokens?: number;
  readonly blockSize?: number;
  /** KV element type; default the model's (LoadModelOptions.kvType, else f32). */
  readonly kvType?: KvType;
}

export interface Model {
  readonly path: string;
  readonly config: ModelConfig;
  readonly arch: ArchSpec;
  readonly backend: KernelBackend;
  /** The KV element type createKvCache uses unless told otherwise. */
  readonly kvType: KvType;
  /** The opened file: GGUF metadata or the HF directory's config / generation config / tokenizer files. */
  readonly file: ModelFile;
  /**
   * Runs one batch through the model and resolves with its logits [batch.nLogitRows, vocabSize] (row i for token
   * batch.logitRows[i]): a host array that stays valid until the next forward call (copy it to keep it). The pass
   * is recorded at once; the promise waits only for the logits to be read back. Bad input rejects (InputError).
   */
  forward(batch: ForwardBatch, kv: PagedKvCache): Promise<Float32Array>;
  createKvCache(sizing?: KvCacheSizing): PagedKvCache;
  /**
   * Named intermediate activations (embed, q, k, v, attn, ffn_act, layer_out, output_norm) go to hook, each as a
   * promise of a host copy; undefined = off. A hook costs a copy per activation: for debugging.
   */
  setActivationHook(hook: ActivationHook | undefined): void;
}
