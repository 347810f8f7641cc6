import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { hfCommonConfig } from "../model/hf-config.js";
import { llama } from "./llama.js";

/**
 * Mistral 7B (Jiang et al. 2023): Llama with sliding-window attention on every layer. llama.cpp converts it to arch
 * "llama" (and ignores the window), so GGUF reading and writing and the tensor names are Llama's.
 */
export const mistral: ArchSpec = {
  ...llama,
  name: "mistral",
  hfModelTypes: ["mistral"],
  fromHfConfig: (hf) => makeConfig(hfCommonConfig(hf, "mistral")),
  buildBlock: () => preNormBlock(gatedFfn),
};
