import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { decoderGgufKvs, ggufCommonConfig } from "../model/gguf-config.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";
import { qwenHfConfig } from "./qwen2.js";

/** Qwen 3 (dense): Qwen 2 without biases, with per-head RMSNorm on Q and K before RoPE; head_dim set explicitly. */
export const qwen3: ArchSpec = {
  name: "qwen3",
  hfModelTypes: ["qwen3"],
  ggufArch: "qwen3",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig(qwenHfConfig(hf, "qwen3")),
  fromGguf: (meta, vocab) => makeConfig(ggufCommonConfig(meta, "qwen3", "qwen3", vocab)),
  ggufKvs: (c, hf) => decoderGgufKvs(c, hf, "qwen3"),
  hfTensorName: hfNameMapper(llamaTopNames, llamaLayerNames),
  buildBlock: () => preNormBlock(gatedFfn),
};
