export { RefBackend, createRefBackend, type RefWeight } from "./ref-backend.js";
export { refMatmul, refEmbed } from "./matmul.js";
export { refRmsNorm, refLayerNorm, refSoftmax } from "./norms.js";
export { refRope } from "./rope.js";
export { refAttention, refKvAppend } from "./attention.js";
export {
  activation, erf, refActivate, refAdd, refAddRows, refGlu, refMulRows, refScale, refSoftcap,
} from "./elementwise.js";
export { f16ToF32Table, rowDecoder, type RowDecoder } from "./row-decoder.js";
export { refQuantizeActivations, type ActivationQuant } from "./activation-quant.js";
