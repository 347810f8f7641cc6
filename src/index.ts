// The public API of tsinfer.
export * from "./errors.js";
export * from "./quant/ggml-type.js";
export type * from "./quant/traits.js";
export type * from "./kernels/backend.js";
export * from "./formats/index.js";
export * from "./kernels/ref/index.js";
export * from "./sampling/index.js";
export { allQuantTraits, quantTraits, rowSizeBytes, UnknownTensorTypeError, UnsupportedTensorTypeError } from "./quant/registry.js";
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./quant/half.js";
export * from "./tokenizer/index.js";
export * from "./model/index.js";
export * from "./arch/index.js";
export * from "./kv/index.js";
export * from "./quantize/index.js";
export { generate, type GenerateOptions, type GenerationResult, type GenerateFinishReason } from "./engine/generate.js";
export { GenerationTimer, summarizeLatencies, type GenerationTimings, type LatencySummaryMs } from "./engine/timings.js";
export { convertHfToGguf, type ConvertOptions, type ConvertResult } from "./convert/convert-hf-to-gguf.js";
export type { ConvertOutType } from "./convert/tensor-values.js";
