/**
 * model/: the normalized config, shared layers and the batched forward pass.
 *
 * Public API:
 *   const model = loadModel("model.gguf" | "hf-dir", { backend?, onProgress?, maxBatchTokens? });
 *   model.config            // ModelConfig: vocabSize, hiddenSize, nLayers, nHeads, nKvHeads, headDim, ctxLen, …
 *   model.file              // the opened GGUF (metadata, tokenizer keys) or HF directory (config, tokenizer.json)
 *   const kv = model.createKvCache({ ctxLen?, maxSeqs?, capacityTokens?, blockSize? });  // PagedKvCache
 *   const logits = await model.forward({ nTokens, tokens, positions, seqIds, logitRows, nLogitRows }, kv);
 *   // logits row i = token logitRows[i], valid until the next forward; kv.freeSeq(id) / kv.forkSeq(a, b) /
 *   // kv.truncateSeq(id, n) manage sequences.
 *   sequenceBatch(tokens, start, end, seqId, "all" | "last") builds a one-sequence batch.
 * Positions are per sequence and must be < ctxLen (ContextOverflowError otherwise); a sequence's tokens must be
 * fed in position order (a token attends to cached positions ≤ its own).
 */
export { loadModel, type LoadModelOptions, type KvCacheSizing, type Model } from "./load-model.js";
export { loadModelFromGguf } from "./load-model-from-gguf.js";
export { Transformer, type ForwardBatch } from "./transformer.js";
export { sequenceBatch } from "./sequence-batch.js";
export { makeConfig, ropeInvFreq, llama3RopeFreqFactors, noRopeScaling, type ModelConfig, type ModelConfigInput, type RopeScaling } from "./config.js";
export type { ArchSpec, ExtraGgufTensor } from "./arch-spec.js";
export type { ActivationHook, BlockContext, BlockFn, Sublayer, TensorHook } from "./block-context.js";
export { preNormBlock, sandwichBlock, postNormBlock } from "./blocks.js";
export { attention } from "./attention.js";
export { gatedFfn, mlpFfn } from "./ffn.js";
export { moeFfn } from "./moe-ffn.js";
export { norm, addResidual } from "./norm.js";
export { decoderGgufKvs, ggufCommonConfig, type GgufMetadata } from "./gguf-config.js";
export { hfCommonConfig, hfNumber, hfOptNumber, hfBool, type HfConfig } from "./hf-config.js";
export { loadModelWeights, type LoadProgress } from "./load-weights.js";
export type { LayerWeights, ModelWeights } from "./model-weights.js";
export type { SourceTensor, TensorSource } from "./tensor-source.js";
export { hfTensorSource } from "./hf-tensor-source.js";
export { ggufTensorSource } from "./gguf-tensor-source.js";
export { promptLogits } from "./prompt-logits.js";
