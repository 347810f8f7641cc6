import type { ArchSpec } from "../model/arch-spec.js";
import { preNormBlock } from "../model/blocks.js";
import { makeConfig } from "../model/config.js";
import { mlpFfn } from "../model/ffn.js";
import { ggufKv } from "../formats/gguf-kv.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import { ggufCommonConfig } from "../model/gguf-config.js";
import { hfBool, hfCommonConfig } from "../model/hf-config.js";
import { hfNameMapper } from "./hf-names.js";

const u32 = GgufValueType.UINT32;

const mapName = hfNameMapper({
  "wte.weight": "token_embd.weight",
  "wpe.weight": "position_embd.weight",
  "ln_f.weight": "output_norm.weight",
  "ln_f.bias": "output_norm.bias",
  "lm_head.weight": "output.weight",
}, {
  ln_1: "attn_norm",
  "attn.c_attn": "attn_qkv",
  "attn.c_proj": "attn_output",
  ln_2: "ffn_norm",
  "mlp.c_fc": "ffn_up",
  "mlp.c_proj": "ffn_down",
}, "h.", /\.attn\.(masked_)?bias$/); // the causal mask, a buffer

/** HF GPT-2 names come with or without the "transformer." prefix (GPT2LMHeadModel vs GPT2Model checkpoints). */
function stripPrefix(hfName: string): string {
  return hfName.startsWith("transformer.") ? hfName.slice("transformer.".length) : hfName;
}

/**
 * GPT-2 (Radford et al. 2019): LayerNorm with bias, learned absolute positions, GELU (tanh) MLP, fused QKV with
 * biases; HF's Conv1D stores weights [in, out], transposed at load (as llama.cpp's converter does).
 */
export const gpt2: ArchSpec = {
  name: "gpt2",
  hfModelTypes: ["gpt2"],
  ggufArch: "gpt2",
  ggufRopeLayout: "neox",
  fromHfConfig: (hf) => makeConfig({
    ...hfCommonConfig(hf, "gpt2"),
    normKind: "layer", activation: "gelu", nRot: 0, tiedEmbeddings: hfBool(hf, "tie_word_embeddings", true),
  }),
  fromGguf: (meta, vocab) => makeConfig({
    ...ggufCommonConfig(meta, "gpt2", "gpt2", vocab), normKind: "layer", activation: "gelu", nRot: 0,
  }),
  // GPT2Model.set_gguf_parameters: no RoPE, no vocab_size.
  ggufKvs: (c) => [
    ggufKv("gpt2.block_count", c.nLayers, u32),
    ggufKv("gpt2.context_length", c.ctxLen, u32),
    ggufKv("gpt2.embedding_length", c.hiddenSize, u32),
    ggufKv("gpt2.feed_forward_length", c.ffnSize, u32),
    ggufKv("gpt2.attention.head_count", c.nHeads, u32),
    ggufKv("gpt2.attention.layer_norm_epsilon", c.normEps, GgufValueType.FLOAT32),
  ],
  hfTensorName: (hfName) => mapName(stripPrefix(hfName)),
  hfTransposed: (hfName) => /\.(c_attn|c_proj|c_fc)\.weight$/.test(hfName),
  buildBlock: () => preNormBlock(mlpFfn),
};
