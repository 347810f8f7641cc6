import type { ArchSpec } from "../model/arch-spec.js";
import { sandwichBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { ggufKv } from "../formats/gguf-kv.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import { decoderGgufKvs, ggufCommonConfig, ggufSlidingLayers, slidingLayersKvs, slidingWindowKvs } from "../model/gguf-config.js";
import { hfNumber, hfSlidingLayers } from "../model/hf-config.js";
import { gemmaEmbedScale, gemmaHfConfig, gemmaNormAdjustment } from "./gemma.js";
import { gemma2LayerNames } from "./gemma2.js";
import { hfNameMapper, llamaTopNames } from "./hf-names.js";

/** llama.cpp's fixed RoPE base for Gemma 3's sliding-window layers (GGUF stores only the global one). */
const localRopeTheta = 10000;

/**
 * Gemma 3 (text): Gemma 2's sandwich blocks without soft-capping, per-head Q/K RMSNorm, and local (sliding,
 * RoPE base 10k) vs global (base 1M, maybe scaled) layers, five local to one global.
 */
export const gemma3: ArchSpec = {
  name: "gemma3",
  hfModelTypes: ["gemma3_text"],
  ggufArch: "gemma3",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig({
    ...gemmaHfConfig(hf, "gemma3"),
    // Configs without layer_types: every sliding_window_pattern-th layer is global.
    slidingLayers: hfSlidingLayers(hf, hfNumber(hf, "num_hidden_layers"), hfNumber(hf, "sliding_window", 0),
      hfNumber(hf, ["sliding_window_pattern", "_sliding_window_pattern"], 6)),
    queryPreAttnScalar: hfNumber(hf, "query_pre_attn_scalar", 0),
  }),
  fromGguf: (meta, vocab) => {
    const base = ggufCommonConfig(meta, "gemma3", "gemma3", vocab);
    return makeConfig({
      ...base, activation: "gelu", embedScale: gemmaEmbedScale(base.hiddenSize), queryPreAttnScalar: base.headDim,
      ropeThetaLocal: localRopeTheta, slidingLayers: ggufSlidingLayers(meta, "gemma3", base.nLayers, 6),
    });
  },
  ggufKvs: (c, hf) => [
    ...decoderGgufKvs(c, hf, "gemma3"),
    ggufKv("gemma3.rope.freq_base_swa", c.ropeThetaLocal || c.ropeTheta, GgufValueType.FLOAT32),
    ...slidingWindowKvs(c, "gemma3"),
    ...slidingLayersKvs(c, hf, "gemma3"),
  ],
  hfTensorName: hfNameMapper(llamaTopNames, gemma2LayerNames),
  hfAdjustment: gemmaNormAdjustment,
  buildBlock: () => sandwichBlock(gatedFfn),
};
