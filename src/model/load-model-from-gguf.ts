import { configFromGguf } from "../arch/gguf-mapping.js";
import type { GgufFile } from "../formats/gguf-file.js";
import { createRefBackend } from "../kernels/ref/ref-backend.js";
import { PagedKvCache } from "../kv/paged-kv-cache.js";
import { ggufTensorSource } from "./gguf-tensor-source.js";
import type { LoadModelOptions, Model } from "./load-model.js";
import { loadModelWeights } from "./load-weights.js";
import { Transformer } from "./transformer.js";

const defaultKvCtxLen = 4096;

/**
 * The GGUF half of `loadModel` for a GGUF already open from any byte source (a file, bytes in memory): maps its
 * metadata through the arch registry and hands its tensors to the backend. Imports nothing from Node, so a browser
 * bundle can use it. The GGUF stays open: the caller closes it (its metadata stays readable after close()).
 */
export function loadModelFromGguf(gguf: GgufFile, options: LoadModelOptions = {}): Model {
  const backend = options.backend ?? createRefBackend();
  const { arch, config } = configFromGguf(gguf, gguf.tensor("token_embd.weight")?.shape[1] ?? 0);
  const totalBytes = gguf.tensors.reduce((a, t) => a + t.sizeBytes, 0);
  const weights = loadModelWeights(ggufTensorSource(gguf), config, backend, options.onProgress, totalBytes);
  const transformer = new Transformer(backend, config, weights, arch.buildBlock(config), options.maxBatchTokens);
  return {
    path: gguf.path, config, arch, backend, file: { kind: "gguf", gguf }, kvType: options.kvType ?? "f32",
    forward: (batch, kv, logitsOut) => transformer.forward(batch, kv, logitsOut),
    createKvCache: (sizing = {}) => new PagedKvCache(backend, {
      nLayers: config.nLayers, nKvHeads: config.nKvHeads, headDim: config.headDim,
      ctxLen: Math.min(sizing.ctxLen ?? defaultKvCtxLen, config.ctxLen),
      ...(sizing.maxSeqs !== undefined ? { maxSeqs: sizing.maxSeqs } : {}),
      ...(sizing.capacityTokens !== undefined ? { capacityTokens: sizing.capacityTokens } : {}),
      ...(sizing.blockSize !== undefined ? { blockSize: sizing.blockSize } : {}),
      kvType: sizing.kvType ?? options.kvType ?? "f32",
    }),
    allocLogits: (nRows) => backend.allocF32(nRows * config.vocabSize),
    setActivationHook: (hook) => {
      transformer.hook = hook;
    },
  };
}
