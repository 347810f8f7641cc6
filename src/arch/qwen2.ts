import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig, type ModelConfigInput } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { decoderGgufKvs, ggufCommonConfig } from "../model/gguf-config.js";
import { hfBool, hfCommonConfig, type HfConfig } from "../model/hf-config.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";

/** Qwen configs carry a sliding_window that only applies when use_sliding_window is true. */
export function qwenHfConfig(hf: HfConfig, arch: string): ModelConfigInput {
  const base = hfCommonConfig(hf, arch);
  if (hfBool(hf, "use_sliding_window", false)) return base;
  return { ...base, slidingWindow: 0, slidingLayers: new Array<boolean>(base.nLayers).fill(false) };
}

/** Qwen 2 / 2.5: Llama with Q/K/V biases, tied embeddings in the small sizes, NeoX RoPE in GGUF too. */
export const qwen2: ArchSpec = {
  name: "qwen2",
  hfModelTypes: ["qwen2"],
  ggufArch: "qwen2",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig(qwenHfConfig(hf, "qwen2")),
  fromGguf: (meta, vocab) => makeConfig(ggufCommonConfig(meta, "qwen2", "qwen2", vocab)),
  ggufKvs: (c, hf) => decoderGgufKvs(c, hf, "qwen2"),
  hfTensorName: hfNameMapper(llamaTopNames, llamaLayerNames),
  buildBlock: () => preNormBlock(gatedFfn),
};
