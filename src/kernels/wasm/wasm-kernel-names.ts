import type { GgmlTypeName } from "../../quant/ggml-type.js";
import { PACKED_Q32 } from "./packed-rows.js";

/**
 * Kernels that take f32 activations directly: (w, x, xp, out, rows, cols, nTokens, scratch, r0, r1); from four tokens
 * on they read the activations as packTokens4 lays them out at xp and convert rows in per-thread scratch slots.
 */
export const FLOAT_MATMUL: Partial<Record<GgmlTypeName, string>> = {
  F32: "matmulF32",
  F16: "matmulF16",
  BF16: "matmulBF16",
};

/**
 * Kernels over 8-bit activation blocks: (w, qs, ds, ss, out, rows, cols, nTokens, r0, r1). The activations are
 * quantized as llama.cpp's CPU backend does for each weight type (its vec_dot_type): Q8_K (quantizeQ8K) for the
 * K-quants and IQ4_XS, Q8_0 (quantizeQ8) for the others.
 */
export const QUANT_MATMUL: Partial<Record<GgmlTypeName, string>> = {
  Q8_0: "matmulQ8_0",
  Q4_0: "matmulQ4_0",
  Q4_1: "matmulQ4_1",
  Q5_0: "matmulQ5_0",
  Q5_1: "matmulQ5_1",
  IQ4_NL: "matmulIQ4_NL",
  Q2_K: "matmulQ2_K",
  Q3_K: "matmulQ3_K",
  Q4_K: "matmulQ4_K",
  Q5_K: "matmulQ5_K",
  Q6_K: "matmulQ6_K",
  IQ4_XS: "matmulIQ4_XS",
};

/** The weight types whose activations are quantized to Q8_K (256-value blocks) rather than Q8_0. */
export const Q8K_ACTIVATION_TYPES: ReadonlySet<GgmlTypeName> = new Set<GgmlTypeName>(["Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"]);

/** Every kernel the pool can run, in one table shared by the calling thread and the workers. */
export const POOL_KERNELS: readonly string[] = [
  "quantizeQ8",
  "quantizeQ8K",
  "packTokens4",
  ...Object.values(FLOAT_MATMUL),
  "matmulF16Scaled",
  ...Object.values(QUANT_MATMUL),
  ...Object.values(PACKED_Q32).flatMap((p) => (p!.fullRangeKernel ? [p!.kernel, p!.fullRangeKernel] : [p!.kernel])),
  "attentionRows",
  "attentionRowsF16",
  "attentionPrefill",
  "attentionQ8_0",
  "kvAppend",
  "readProbe",
  "glu",
  "activate",
  "rmsNorm",
];

/** The weight types the wasm backend multiplies in WebAssembly. */
export function wasmMatmulTypes(): GgmlTypeName[] {
  return [...Object.keys(FLOAT_MATMUL), ...Object.keys(QUANT_MATMUL)] as GgmlTypeName[];
}
