import type { KernelBackend } from "../kernels/backend.js";
import { configFromGguf, configFromHf } from "../arch/config-mapping.js";
import { openGgufSplitParts, openModelFile, type GgufFile, type ModelFile } from "../formats/index.js";
import type { KvType } from "../kernels/kv-layer.js";
import type { ArchSpec } from "./arch-spec.js";
import type { ActivationHook } from "./block-context.js";
import type { ModelConfig } from "./config.js";
import { ggufTensorSource } from "./gguf-tensor-source.js";
import { hfTensorSource } from "./hf-tensor-source.js";
import type { TensorSource } from "./tensor-source.js";
import type { LoadProgress } from "./load-weights.js";
import { assembleModel } from "./assemble-model.js";

import type { LoadModelOptions, Model } from "./model-api.js";
export type { KvCacheSizing, LoadModelOptions, Model } from "./model-api.js";

/** Opens a GGUF file or an HF directory, maps its config through the arch registry and loads the weights. */
export function loadModel(path: string, options: LoadModelOptions = {}): Model {
  const file = openModelFile(path);
  let arch: ArchSpec;
  let config: ModelConfig;
  let source: TensorSource;
  let totalBytes: number;
  let parts: GgufFile[] = [];
  try {
    if (file.kind === "gguf") {
      const g = file.gguf;
      parts = openGgufSplitParts(g); // [g] unless g is the first part of a split GGUF
      const tokenEmbd = parts.map((p) => p.tensor("token_embd.weight")).find((t) => t !== undefined);
      ({ arch, config } = configFromGguf(g, tokenEmbd?.shape[1] ?? 0));
      source = ggufTensorSource(parts);
      totalBytes = parts.reduce((n, p) => n + p.tensors.reduce((a, t) => a + t.sizeBytes, 0), 0);
    } else {
      ({ arch, config } = configFromHf(file.hf.config, `${file.hf.dir}/config.json`));
      source = hfTensorSource(file.hf, arch);
      totalBytes = file.hf.tensors.reduce((a, t) => a + t.sizeBytes, 0);
    }
    return assembleModel(path, file, arch, config, source, totalBytes, options);
  } finally {
    for (const p of parts.slice(1)) p.close();
    if (file.kind === "gguf") file.gguf.close();
    else file.hf.close();
  }
}
