import { FormatError } from "../errors.js";
import type { GgufFile, GgufTensorInfo } from "../formats/index.js";
import { ggmlTypeName } from "../quant/ggml-type.js";
import type { SourceTensor, TensorSource } from "./tensor-source.js";

interface GgufSourceTensor extends SourceTensor {
  readonly info: GgufTensorInfo;
}

/** A GGUF file's tensors as they are: GGUF names, stored types, ne shapes. */
export function ggufTensorSource(gguf: GgufFile): TensorSource {
  const byName = new Map<string, GgufSourceTensor>();
  for (const info of gguf.tensors) {
    const type = ggmlTypeName(info.type);
    if (!type) throw new FormatError(gguf.path, `tensor ${info.name} has type ${info.type}, which no known format uses`);
    byName.set(info.name, { name: info.name, type, shape: info.shape, info });
  }
  return {
    path: gguf.path,
    get: (name) => byName.get(name),
    bytes: (tensor) => gguf.readTensorBytes((tensor as GgufSourceTensor).info),
  };
}
