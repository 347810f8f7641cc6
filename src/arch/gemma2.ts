import type { ArchSpec } from "../model/arch-spec.js";
import { sandwichBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { ggufKv } from "../formats/gguf-kv.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import { decoderGgufKvs, ggufCommonConfig, ggufSlidingLayers, slidingLayersKvs, slidingWindowKvs } from "../model/gguf-config.js";
import { hfNumber, hfSlidingLayers } from "../model/hf-config.js";
import { gemmaEmbedScale, gemmaHfConfig, gemmaNormAdjustment } from "./gemma.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";

/** Gemma 2 / 3 HF layer names: pre- and post-norms around attention and FFN. */
export const gemma2LayerNames: Record<string, string> = {
  ...llamaLayerNames,
  post_attention_layernorm: "post_attention_norm",
  pre_feedforward_layernorm: "ffn_norm",
  post_feedforward_layernorm: "post_ffw_norm",
};

/**
 * Gemma 2 (Gemma Team 2024b): Gemma with sandwich norms, attention-logit (50) and final-logit (30) soft-capping,
 * sliding-window attention on alternate layers, attention scale query_pre_attn_scalar^-1/2.
 */
export const gemma2: ArchSpec = {
  name: "gemma2",
  hfModelTypes: ["gemma2"],
  ggufArch: "gemma2",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig({
    ...gemmaHfConfig(hf, "gemma2"),
    // Configs without layer_types: even layers slide (HF Gemma2DecoderLayer: not bool(layer_idx % 2)).
    slidingLayers: hfSlidingLayers(hf, hfNumber(hf, "num_hidden_layers"), hfNumber(hf, "sliding_window", 0), 2),
    attnSoftcap: hfNumber(hf, "attn_logit_softcapping", 0),
    finalSoftcap: hfNumber(hf, "final_logit_softcapping", 0),
    queryPreAttnScalar: hfNumber(hf, "query_pre_attn_scalar", 0),
  }),
  fromGguf: (meta, vocab) => {
    const base = ggufCommonConfig(meta, "gemma2", "gemma2", vocab);
    // llama.cpp scales queries by head_dim^-1/2 (n_embd/n_head for the 27B model, whose config says so too).
    return makeConfig({
      ...base, activation: "gelu", embedScale: gemmaEmbedScale(base.hiddenSize), queryPreAttnScalar: base.headDim,
      slidingLayers: ggufSlidingLayers(meta, "gemma2", base.nLayers, 2),
    });
  },
  ggufKvs: (c, hf) => [
    ...decoderGgufKvs(c, hf, "gemma2"),
    ggufKv("gemma2.attn_logit_softcapping", c.attnSoftcap, GgufValueType.FLOAT32),
    ggufKv("gemma2.final_logit_softcapping", c.finalSoftcap, GgufValueType.FLOAT32),
    ...slidingWindowKvs(c, "gemma2"),
    ...slidingLayersKvs(c, hf, "gemma2"),
  ],
  hfTensorName: hfNameMapper(llamaTopNames, gemma2LayerNames),
  hfAdjustment: gemmaNormAdjustment,
  buildBlock: () => sandwichBlock(gatedFfn),
};
