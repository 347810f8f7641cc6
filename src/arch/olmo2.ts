import type { ArchSpec } from "../model/arch-spec.js";
import { postNormBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { decoderGgufKvs, ggufCommonConfig } from "../model/gguf-config.js";
import { hfCommonConfig } from "../model/hf-config.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";

/**
 * OLMo 2 (OLMo et al. 2024): norms after attention and FFN (before the residual add) instead of before, and
 * RMSNorm over the whole Q and K projections.
 */
export const olmo2: ArchSpec = {
  name: "olmo2",
  hfModelTypes: ["olmo2"],
  ggufArch: "olmo2",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig(hfCommonConfig(hf, "olmo2")),
  fromGguf: (meta, vocab) => makeConfig(ggufCommonConfig(meta, "olmo2", "olmo2", vocab)),
  ggufKvs: (c, hf) => decoderGgufKvs(c, hf, "olmo2"),
  hfTensorName: hfNameMapper(llamaTopNames, {
    ...llamaLayerNames,
    post_attention_layernorm: "post_attention_norm",
    post_feedforward_layernorm: "post_ffw_norm",
  }),
  buildBlock: () => postNormBlock(gatedFfn),
};
