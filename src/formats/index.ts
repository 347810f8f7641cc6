// formats/: reading and writing model files (GGUF, safetensors, Hugging Face directories) as plain values and bytes.
export * from "./gguf-value-type.js";
export type * from "./gguf-file.js";
export { openGguf, ggufMagic, ggufDefaultAlignment, alignUp } from "./open-gguf.js";
export { openGgufSource, openGgufFromBytes } from "./gguf-reader.js";
export { memoryByteSource, type ByteSource } from "./byte-source.js";
export { fileByteSource } from "./file-byte-source.js";
export * from "./ggml-type-size.js";
export * from "./write-gguf.js";
export * from "./safetensors-dtype.js";
export * from "./open-safetensors.js";
export { openHfDir, readJsonObject } from "./open-hf-dir.js";
export type { HfModelDir } from "./open-hf-dir.js";
export * from "./hf-rope-params.js";
export * from "./float-convert.js";
export * from "./open-model-file.js";
export * from "./model-summary.js";
export * from "./model-json.js";
export * from "./read-tensor-float32.js";
