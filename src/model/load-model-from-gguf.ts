import { configFromGguf } from "../arch/config-mapping.js";
import type { GgufFile } from "../formats/gguf-file.js";
import { assembleModel } from "./assemble-model.js";
import { ggufTensorSource } from "./gguf-tensor-source.js";
import type { LoadModelOptions, Model } from "./load-model.js";

/**
 * The GGUF half of `loadModel` for a GGUF already open from any byte source (a file, bytes in memory): maps its
 * metadata through the arch registry and hands its tensors to the backend. Imports nothing from Node, so a browser
 * bundle can use it. The GGUF stays open: the caller closes it (its metadata stays readable after close()).
 */
export function loadModelFromGguf(gguf: GgufFile, options: LoadModelOptions = {}): Model {
  const { arch, config } = configFromGguf(gguf, gguf.tensor("token_embd.weight")?.shape[1] ?? 0);
  const totalBytes = gguf.tensors.reduce((a, t) => a + t.sizeBytes, 0);
  return assembleModel(gguf.path, { kind: "gguf", gguf }, arch, config, ggufTensorSource(gguf), totalBytes, options);
}
