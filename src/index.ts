// The public API of tsinfer.
export * from "./errors.js";
export * from "./quant/ggml-type.js";
export type * from "./quant/traits.js";
export type * from "./kernels/backend.js";
export * from "./formats/index.js";
export * from "./kernels/ref/index.js";
export * from "./sampling/index.js";
