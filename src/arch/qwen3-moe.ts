import { FormatError } from "../errors.js";
import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { decoderGgufKvs, expertGgufKvs, ggufCommonConfig } from "../model/gguf-config.js";
import { hfBool, hfNumber } from "../model/hf-config.js";
import { moeFfn } from "../model/moe-ffn.js";
import { ggufKv } from "../formats/gguf-kv.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";
import { qwenHfConfig } from "./qwen2.js";

/** Qwen3-MoE: Qwen 3 attention (Q/K norms) with a top-k MoE FFN on every layer; norm_topk_prob renormalizes. */
export const qwen3Moe: ArchSpec = {
  name: "qwen3_moe",
  hfModelTypes: ["qwen3_moe"],
  ggufArch: "qwen3moe",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => {
    const mlpOnly = hf.mlp_only_layers;
    if ((Array.isArray(mlpOnly) && mlpOnly.length > 0) || hfNumber(hf, "decoder_sparse_step", 1) !== 1) {
      throw new FormatError("config.json", "qwen3_moe with dense layers (mlp_only_layers / decoder_sparse_step) is not supported");
    }
    return makeConfig({
      ...qwenHfConfig(hf, "qwen3_moe"),
      nExperts: hfNumber(hf, ["num_experts", "num_local_experts"]),
      nExpertsUsed: hfNumber(hf, "num_experts_per_tok"),
      expertFfnSize: hfNumber(hf, "moe_intermediate_size"),
      normTopK: hfBool(hf, "norm_topk_prob", false),
    });
  },
  fromGguf: (meta, vocab) => makeConfig({
    ...ggufCommonConfig(meta, "qwen3moe", "qwen3_moe", vocab),
    // llama.cpp's qwen3moe graph always renormalizes; newer files state it as expert_weights_norm.
    normTopK: meta.getBool("qwen3moe.expert_weights_norm") ?? true,
  }),
  ggufKvs: (c, hf) => [
    ...decoderGgufKvs(c, hf, "qwen3moe"),
    ...expertGgufKvs(c, "qwen3moe"),
    ggufKv("qwen3moe.expert_feed_forward_length", c.expertFfnSize, GgufValueType.UINT32),
    // Only the exception is stated: without the key, readers (llama.cpp, fromGguf above) renormalize.
    ...(c.normTopK ? [] : [ggufKv("qwen3moe.expert_weights_norm", false, GgufValueType.BOOL)]),
  ],
  hfTensorName: hfNameMapper(llamaTopNames, {
    ...llamaLayerNames,
    "mlp.gate": "ffn_gate_inp",
    "mlp.experts.*.gate_proj": "ffn_gate.*",
    "mlp.experts.*.up_proj": "ffn_up.*",
    "mlp.experts.*.down_proj": "ffn_down.*",
  }),
  buildBlock: () => preNormBlock(moeFfn),
};
