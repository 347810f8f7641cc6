// Tensor types: ggml's block layouts, exact dequantization and reference quantization.
export * from "./ggml-type.js";
export type * from "./traits.js";
export { allQuantTraits, quantTraits, rowSizeBytes, UnknownTensorTypeError, UnsupportedTensorTypeError } from "./registry.js";
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, roundToF16 } from "./half.js";
