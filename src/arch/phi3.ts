import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { ggufKv } from "../formats/gguf-kv.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import { decoderGgufKvs, ggufCommonConfig } from "../model/gguf-config.js";
import { hfCommonConfig, hfNumber } from "../model/hf-config.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";

const u32 = GgufValueType.UINT32;

/** Phi-3: fused QKV and gate-up projections, partial rotary (NeoX) on the first nRot dims of each head. */
export const phi3: ArchSpec = {
  name: "phi3",
  hfModelTypes: ["phi3"],
  ggufArch: "phi3",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig(hfCommonConfig(hf, "phi3")),
  fromGguf: (meta, vocab) => makeConfig(ggufCommonConfig(meta, "phi3", "phi3", vocab)),
  // Phi3MiniModel.set_gguf_parameters: no vocab_size; the pre-LongRoPE context; the window even when 0.
  ggufKvs: (c, hf) => [
    ...decoderGgufKvs(c, hf, "phi3").filter((kv) => kv.key !== "phi3.vocab_size"),
    ggufKv("phi3.rope.scaling.original_context_length", hfNumber(hf, "original_max_position_embeddings", c.ctxLen), u32),
    ggufKv("phi3.rope.dimension_count", c.nRot, u32),
    ggufKv("phi3.attention.sliding_window", c.slidingWindow, u32),
  ],
  hfTensorName: hfNameMapper(llamaTopNames, {
    ...llamaLayerNames,
    "self_attn.qkv_proj": "attn_qkv",
    "mlp.gate_up_proj": "ffn_up",
  }),
  buildBlock: () => preNormBlock(gatedFfn),
};
