import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { commonConfigToGgufKvs, ggufCommonConfig } from "../model/gguf-config.js";
import { hfCommonConfig } from "../model/hf-config.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";

/** Phi-3: fused QKV and gate-up projections, partial rotary (NeoX) on the first nRot dims of each head. */
export const phi3: ArchSpec = {
  name: "phi3",
  hfModelTypes: ["phi3"],
  ggufArch: "phi3",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig(hfCommonConfig(hf, "phi3")),
  fromGguf: (meta, vocab) => makeConfig(ggufCommonConfig(meta, "phi3", "phi3", vocab)),
  toGgufKvs: (c) => commonConfigToGgufKvs(c, "phi3"),
  hfTensorName: hfNameMapper(llamaTopNames, {
    ...llamaLayerNames,
    "self_attn.qkv_proj": "attn_qkv",
    "mlp.gate_up_proj": "ffn_up",
  }),
  buildBlock: () => preNormBlock(gatedFfn),
};
