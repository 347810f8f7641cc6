// formats/: reading and writing model files (GGUF, safetensors, Hugging Face directories) as plain values and bytes.
export * from "./gguf-value-type.js";
export type * from "./gguf-file.js";
export { openGguf, ggufMagic, ggufDefaultAlignment, alignUp } from "./open-gguf.js";
export * from "./ggml-type-size.js";
export * from "./write-gguf.js";
