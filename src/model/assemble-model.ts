import type { KernelBackend } from "../kernels/backend.js";
import { createRefBackend } from "../kernels/ref/ref-backend.js";
import type { ModelFile } from "../formats/open-model-file.js";
import { PagedKvCache } from "../kv/paged-kv-cache.js";
import type { ArchSpec } from "./arch-spec.js";
import type { ModelConfig } from "./config.js";
import type { LoadModelOptions, Model } from "./model-api.js";
import { loadModelWeights } from "./load-weights.js";
import type { TensorSource } from "./tensor-source.js";
import { Transformer } from "./transformer.js";

const defaultKvCtxLen = 4096;

/**
 * Loads the weights of an opened model file into the backend and wraps the transformer as a Model. Shared by
 * `loadModel` (files and HF directories) and `loadModelFromGguf` (any byte source); imports nothing from Node.
 */
export function assembleModel(path: string, file: ModelFile, arch: ArchSpec, config: ModelConfig, source: TensorSource,
  totalBytes: number, options: LoadModelOptions): Model {
  const backend: KernelBackend = options.backend ?? createRefBackend();
  const weights = loadModelWeights(source, config, backend, options.onProgress, totalBytes);
  const transformer = new Transformer(backend, config, weights, arch.buildBlock(config), options.maxBatchTokens);
  return {
    path, config, arch, backend, file, kvType: options.kvType ?? "f32",
    forward: (batch, kv) => transformer.forward(batch, kv),
    createKvCache: (sizing = {}) => new PagedKvCache(backend, {
      nLayers: config.nLayers, nKvHeads: config.nKvHeads, headDim: config.headDim,
      ctxLen: Math.min(sizing.ctxLen ?? defaultKvCtxLen, config.ctxLen),
      ...(sizing.maxSeqs !== undefined ? { maxSeqs: sizing.maxSeqs } : {}),
      ...(sizing.capacityTokens !== undefined ? { capacityTokens: sizing.capacityTokens } : {}),
      ...(sizing.blockSize !== undefined ? { blockSize: sizing.blockSize } : {}),
      kvType: sizing.kvType ?? options.kvType ?? "f32",
    }),
    setActivationHook: (hook) => transformer.setActivationHook(hook),
  };
}
