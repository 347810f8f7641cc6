import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig, type ModelConfigInput } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { decoderGgufKvs, ggufCommonConfig } from "../model/gguf-config.js";
import { hfBool, hfCommonConfig, type HfConfig } from "../model/hf-config.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";

/** Gemma's embedding scale: sqrt(hidden) rounded to float32 as HF computes it. */
export function gemmaEmbedScale(hidden: number): number {
  return Math.fround(Math.sqrt(hidden));
}

/** Gemma RMSNorm multiplies by (1 + w); llama.cpp's converter stores 1 + w, and so does loading from HF here. */
export function gemmaNormAdjustment(ggufName: string): ((values: Float32Array) => void) | undefined {
  return ggufName.endsWith("norm.weight") ? addOne : undefined;
}

function addOne(v: Float32Array): void {
  for (let i = 0; i < v.length; i++) v[i] = v[i]! + 1;
}

export function gemmaHfConfig(hf: HfConfig, arch: string): ModelConfigInput {
  const base = hfCommonConfig(hf, arch);
  return {
    ...base,
    activation: "gelu",
    embedScale: gemmaEmbedScale(base.hiddenSize),
    tiedEmbeddings: hfBool(hf, "tie_word_embeddings", true),
  };
}

/** Gemma (Gemma Team 2024): GeGLU (tanh), (1 + w) RMSNorm, embeddings × sqrt(hidden), tied LM head. */
export const gemma: ArchSpec = {
  name: "gemma",
  hfModelTypes: ["gemma"],
  ggufArch: "gemma",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig(gemmaHfConfig(hf, "gemma")),
  fromGguf: (meta, vocab) => {
    const base = ggufCommonConfig(meta, "gemma", "gemma", vocab);
    return makeConfig({ ...base, activation: "gelu", embedScale: gemmaEmbedScale(base.hiddenSize) });
  },
  ggufKvs: (c, hf) => decoderGgufKvs(c, hf, "gemma"),
  hfTensorName: hfNameMapper(llamaTopNames, llamaLayerNames),
  hfAdjustment: gemmaNormAdjustment,
  buildBlock: () => preNormBlock(gatedFfn),
};
