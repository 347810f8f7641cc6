import { FormatError } from "../errors.js";
import type { GgufFile, GgufTensorInfo } from "../formats/index.js";
import { ggmlTypeName } from "../quant/ggml-type.js";
import type { SourceTensor, TensorSource } from "./tensor-source.js";

interface GgufSourceTensor extends SourceTensor {
  readonly info: GgufTensorInfo;
  /** The file (split part) holding it. */
  readonly file: GgufFile;
}

/** A GGUF file's tensors (or those of all parts of a split GGUF) as they are: GGUF names, stored types, ne shapes. */
export function ggufTensorSource(gguf: GgufFile | readonly GgufFile[]): TensorSource {
  const parts = Array.isArray(gguf) ? gguf : [gguf as GgufFile];
  const byName = new Map<string, GgufSourceTensor>();
  for (const file of parts) {
    for (const info of file.tensors) {
      const type = ggmlTypeName(info.type);
      if (!type) throw new FormatError(file.path, `tensor ${info.name} has type ${info.type}, which no known format uses`);
      if (byName.has(info.name)) throw new FormatError(file.path, `tensor ${info.name} is also in ${byName.get(info.name)!.file.path}`);
      byName.set(info.name, { name: info.name, type, shape: info.shape, info, file });
    }
  }
  return {
    path: parts[0]!.path,
    get: (name) => byName.get(name),
    bytes: (tensor) => (tensor as GgufSourceTensor).file.readTensorBytes((tensor as GgufSourceTensor).info),
  };
}
