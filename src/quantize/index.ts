// quantize/: llama-quantize's pipeline (per-tensor type mixes, streaming GGUF output).
export { quantizeModel } from "./quantize-gguf.js";
export type { QuantizeOptions, QuantizeResult } from "./quantize-gguf.js";
export { quantizeFileType, quantizeFileTypeNames } from "./quantize-file-type.js";
export type { QuantizeFileType } from "./quantize-file-type.js";
export type { TypeOverrides } from "./tensor-type-policy.js";
