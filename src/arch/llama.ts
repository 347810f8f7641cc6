import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { llama3RopeFreqFactors, makeConfig } from "../model/config.js";
import { gatedFfn } from "../model/ffn.js";
import { decoderGgufKvs, expertGgufKvs, ggufCommonConfig, slidingWindowKvs } from "../model/gguf-config.js";
import { ggufKv } from "../formats/gguf-kv.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import { hfCommonConfig } from "../model/hf-config.js";
import { moeFfn } from "../model/moe-ffn.js";
import { hfNameMapper, llamaLayerNames, llamaTopNames } from "./hf-names.js";

/**
 * Llama 1/2/3 (Touvron et al. 2023): pre-norm RMSNorm, SwiGLU, RoPE, GQA. In GGUF also Mistral and Mixtral
 * (llama.cpp converts them to arch "llama"; experts when expert_count > 0), with Q/K permuted to the normal layout
 * and Llama 3 RoPE scaling as the rope_freqs tensor (convert_hf_to_gguf.py's LlamaModel).
 */
export const llama: ArchSpec = {
  name: "llama",
  hfModelTypes: ["llama"],
  ggufArch: "llama",
  ggufRopeLayout: "normal",
  fromHfConfig: (hf) => makeConfig(hfCommonConfig(hf, "llama")),
  fromGguf: (meta, vocab) => {
    const base = ggufCommonConfig(meta, "llama", "llama", vocab);
    return makeConfig({ ...base, normTopK: (base.nExperts ?? 0) > 0 }); // Mixtral renormalizes its top-2
  },
  ggufKvs: (c, hf) => [
    ...decoderGgufKvs(c, hf, "llama"),
    ggufKv("llama.rope.dimension_count", c.nRot, GgufValueType.UINT32),
    ...slidingWindowKvs(c, "llama"),
    ...(c.nExperts > 0 ? expertGgufKvs(c, "llama") : []),
  ],
  ggufExtraTensors: (c) => {
    const factors = llama3RopeFreqFactors(c);
    return factors ? [{ name: "rope_freqs.weight", values: factors, shape: [factors.length] }] : [];
  },
  hfTensorName: hfNameMapper(llamaTopNames, llamaLayerNames),
  buildBlock: (c) => preNormBlock(c.nExperts > 0 ? moeFfn : gatedFfn),
};
