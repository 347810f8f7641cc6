import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { hfCommonConfig, hfNumber } from "../model/hf-config.js";
import { moeFfn } from "../model/moe-ffn.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";
import { llama } from "./llama.js";

/**
 * Mixtral 8x7B (Jiang et al. 2024): Llama attention with a sparse MoE FFN (top-2 of 8 SwiGLU experts, softmax
 * weights renormalized over the chosen). GGUF: arch "llama" with expert_count, read and written by the llama arch.
 */
export const mixtral: ArchSpec = {
  ...llama,
  name: "mixtral",
  hfModelTypes: ["mixtral"],
  fromHfConfig: (hf) => {
    const base = hfCommonConfig(hf, "mixtral");
    return makeConfig({
      ...base,
      nExperts: hfNumber(hf, ["num_local_experts", "num_experts"]),
      nExpertsUsed: hfNumber(hf, "num_experts_per_tok"),
      expertFfnSize: base.ffnSize,
      normTopK: true,
    });
  },
  hfTensorName: hfNameMapper(llamaTopNames, {
    ...llamaLayerNames,
    "block_sparse_moe.gate": "ffn_gate_inp",
    "block_sparse_moe.experts.*.w1": "ffn_gate.*",
    "block_sparse_moe.experts.*.w3": "ffn_up.*",
    "block_sparse_moe.experts.*.w2": "ffn_down.*",
  }),
  buildBlock: () => preNormBlock(moeFfn),
};
