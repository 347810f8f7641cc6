// Entry of the kernels module: every export here is called from src/kernels/wasm/.
export { quantizeQ8, quantizeQ8K } from "./quantize-act";
export { matmulQ8_0, matmulQ4_0, matmulQ4_1, matmulQ5_0, matmulQ5_1, matmulIQ4_NL } from "./matmul-q32";

export function heapBase(): usize {
  return __heap_base;
}
export { matmulQ4_K, matmulQ5_K, matmulQ6_K, matmulQ2_K, matmulQ3_K, matmulIQ4_XS } from "./matmul-k-driver";
export { matmulF32, matmulF16, matmulBF16, matmulF16Scaled, scaleForHalves, packTokens4, floatTileSlotBytes } from "./matmul-float";
export { attentionRows, attentionRowsF16, attentionRowsSlotBytes } from "./attention-rows";
export { attentionQ8_0 } from "./kv-attention";
export { kvAppend } from "./kv-append";
export { readProbe } from "./read-probe";
export { glu, activate } from "./activation";
export { rmsNorm } from "./rms-norm";
export { packQ32, matmulQ8_0P, matmulQ8_0PW, matmulQ4_0P, matmulIQ4_NLP } from "./matmul-q32-packed";
export { attentionPrefill, attentionPrefillSlotBytes } from "./attention-prefill";
export { logSumExp } from "./log-sum-exp";
export { topK } from "./top-k";
export { setThreadIndex } from "./thread-slot";
export { ropeRotate, addF32, copyColumns } from "./rope";
export { embedFloat } from "./embed";
export { f16SubnormalCount, f16SplitSubnormals } from "./f16-subnormals";
