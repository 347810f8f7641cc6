import { FormatError } from "../errors.js";
import type { ArchKv, ConvertArch, ConvertDims, ExtraTensor } from "./convert-arch.js";
import type { HfConfigReader } from "./hf-config-reader.js";

// Per-architecture conversion rules, after llama.cpp's convert_hf_to_gguf.py (LlamaModel, Qwen2Model, Qwen3Model,
// Qwen3MoeModel, GemmaModel, Gemma2Model, Gemma3Model, Phi3MiniModel, GPT2Model, Olmo2Model) and the key names of
// gguf-py's constants.py.

function decoderDims(c: HfConfigReader): ConvertDims {
  const hiddenSize = c.number("hidden_size");
  const nHeads = c.number("num_attention_heads");
  return {
    hiddenSize,
    nLayers: c.number("num_hidden_layers"),
    nHeads,
    nKvHeads: c.optNumber("num_key_value_heads") ?? nHeads,
    headDim: c.optNumber("head_dim") ?? hiddenSize / nHeads,
    vocabSize: c.number("vocab_size"),
  };
}

/** The keys TextModel.set_gguf_parameters writes for every decoder. */
function decoderKvs(c: HfConfigReader, d: ConvertDims, ropeLayerType?: string): ArchKv[] {
  const kvs: ArchKv[] = [
    { key: "context_length", value: c.number("max_position_embeddings") },
    { key: "embedding_length", value: d.hiddenSize },
    { key: "block_count", value: d.nLayers },
    { key: "feed_forward_length", value: c.number("intermediate_size") },
    { key: "attention.head_count", value: d.nHeads },
    { key: "attention.head_count_kv", value: d.nKvHeads },
    { key: "attention.layer_norm_rms_epsilon", value: c.number("rms_norm_eps"), float: true },
    { key: "rope.freq_base", value: c.ropeTheta(ropeLayerType), float: true },
    { key: "vocab_size", value: d.vocabSize },
  ];
  if (c.optNumber("head_dim") !== undefined) {
    kvs.push({ key: "attention.key_length", value: d.headDim }, { key: "attention.value_length", value: d.headDim });
  }
  return kvs;
}

function slidingWindowKv(c: HfConfigReader): ArchKv[] {
  const w = c.optNumber("sliding_window");
  return w === undefined ? [] : [{ key: "attention.sliding_window", value: w }];
}

/** Per-layer sliding flags from transformers' `layer_types` (llama.cpp: attention.sliding_window_pattern as bools). */
function slidingPatternKv(c: HfConfigReader): ArchKv[] {
  const types = c.raw.layer_types;
  if (!Array.isArray(types)) return [];
  return [{ key: "attention.sliding_window_pattern", value: types.map((t) => t === "sliding_attention") }];
}

function expertKvs(c: HfConfigReader): ArchKv[] {
  return [
    { key: "expert_count", value: c.number("num_local_experts", "num_experts") },
    { key: "expert_used_count", value: c.number("num_experts_per_tok") },
  ];
}

/** llama3 RoPE scaling as a per-frequency factor tensor (LlamaModel.generate_extra_tensors). */
function llama3RopeFreqs(c: HfConfigReader, d: ConvertDims): ExtraTensor[] {
  const rope = c.rope();
  if (rope.rope_type !== "llama3") return [];
  const base = c.ropeTheta();
  const num = (k: string, dflt: number): number => (typeof rope[k] === "number" ? rope[k] : dflt);
  const factor = num("factor", 8);
  const lowFreqFactor = num("low_freq_factor", 1);
  const highFreqFactor = num("high_freq_factor", 4);
  const oldCtx = num("original_max_position_embeddings", 8192);
  const lowFreqWavelen = oldCtx / lowFreqFactor;
  const highFreqWavelen = oldCtx / highFreqFactor;
  const values = new Float32Array(d.headDim / 2);
  for (let i = 0; i < values.length; i++) {
    // float32 arithmetic as the converter's torch.arange(..., dtype=float32) frequencies
    const freq = Math.fround(1 / Math.fround(base ** Math.fround((2 * i) / d.headDim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highFreqWavelen) values[i] = 1;
    else if (wavelen > lowFreqWavelen) values[i] = factor;
    else {
      const smooth = (oldCtx / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      values[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return [{ name: "rope_freqs.weight", values, shape: [values.length] }];
}

const llama: ConvertArch = {
  ggufArch: "llama",
  dims: decoderDims,
  kvs: (c, d) => [
    ...decoderKvs(c, d),
    { key: "rope.dimension_count", value: d.headDim },
    ...slidingWindowKv(c),
    ...(c.optNumber("num_local_experts") ? expertKvs(c) : []),
  ],
  permuteQK: true,
  extraTensors: llama3RopeFreqs,
};

const qwen2: ConvertArch = { ggufArch: "qwen2", dims: decoderDims, kvs: decoderKvs };
const qwen3: ConvertArch = { ggufArch: "qwen3", dims: decoderDims, kvs: decoderKvs };
const qwen3moe: ConvertArch = {
  ggufArch: "qwen3moe",
  dims: decoderDims,
  kvs: (c, d) => [
    ...decoderKvs(c, d),
    ...expertKvs(c),
    { key: "expert_feed_forward_length", value: c.number("moe_intermediate_size") },
  ],
};

const gemmaNorms = {
  post_attention_layernorm: "post_attention_norm",
  pre_feedforward_layernorm: "ffn_norm",
  post_feedforward_layernorm: "post_ffw_norm",
};

const gemma: ConvertArch = { ggufArch: "gemma", dims: decoderDims, kvs: decoderKvs, normAddOne: true };
const gemma2: ConvertArch = {
  ggufArch: "gemma2",
  dims: decoderDims,
  kvs: (c, d) => [
    ...decoderKvs(c, d),
    { key: "attn_logit_softcapping", value: c.number("attn_logit_softcapping"), float: true },
    { key: "final_logit_softcapping", value: c.number("final_logit_softcapping"), float: true },
    ...slidingWindowKv(c),
    ...slidingPatternKv(c),
  ],
  layerNames: gemmaNorms,
  normAddOne: true,
};
const gemma3: ConvertArch = {
  ggufArch: "gemma3",
  dims: decoderDims,
  kvs: (c, d) => [
    ...decoderKvs(c, d, "full_attention"),
    { key: "rope.freq_base_swa", value: c.ropeTheta("sliding_attention"), float: true },
    ...slidingWindowKv(c),
    ...slidingPatternKv(c),
  ],
  layerNames: gemmaNorms,
  normAddOne: true,
};

const phi3: ConvertArch = {
  ggufArch: "phi3",
  dims: decoderDims,
  kvs: (c, d) => {
    const partial = (c.rope().partial_rotary_factor as number | undefined) ?? c.optNumber("partial_rotary_factor") ?? 1;
    const kvs = decoderKvs(c, d).filter((kv) => kv.key !== "vocab_size"); // Phi3MiniModel writes none
    return [
      ...kvs,
      { key: "rope.scaling.original_context_length", value: c.optNumber("original_max_position_embeddings") ?? c.number("max_position_embeddings") },
      { key: "rope.dimension_count", value: Math.floor((partial * d.hiddenSize) / d.nHeads) },
      { key: "attention.sliding_window", value: c.optNumber("sliding_window") ?? 0 },
    ];
  },
};

const olmo2: ConvertArch = {
  ggufArch: "olmo2",
  dims: decoderDims,
  kvs: decoderKvs,
  layerNames: { post_attention_layernorm: "post_attention_norm", post_feedforward_layernorm: "post_ffw_norm" },
};

const gpt2: ConvertArch = {
  ggufArch: "gpt2",
  dims: (c) => {
    const hiddenSize = c.number("n_embd");
    const nHeads = c.number("n_head");
    return { hiddenSize, nLayers: c.number("n_layer"), nHeads, nKvHeads: nHeads, headDim: hiddenSize / nHeads, vocabSize: c.number("vocab_size") };
  },
  kvs: (c, d) => [
    { key: "block_count", value: d.nLayers },
    { key: "context_length", value: c.number("n_positions", "n_ctx") },
    { key: "embedding_length", value: d.hiddenSize },
    { key: "feed_forward_length", value: c.optNumber("n_inner") ?? 4 * d.hiddenSize },
    { key: "attention.head_count", value: d.nHeads },
    { key: "attention.layer_norm_epsilon", value: c.number("layer_norm_epsilon"), float: true },
  ],
  conv1d: true,
};

const archsByModelType: Readonly<Record<string, ConvertArch>> = {
  llama,
  mistral: llama,
  mixtral: llama,
  qwen2,
  qwen3,
  qwen3_moe: qwen3moe,
  gemma,
  gemma2,
  gemma3_text: gemma3,
  phi3,
  olmo2,
  gpt2,
};

/** The conversion rules for config.json's model_type. */
export function convertArchFor(file: string, modelType: string): ConvertArch {
  const arch = archsByModelType[modelType];
  if (!arch) {
    throw new FormatError(file, `model_type ${JSON.stringify(modelType)} has no converter; known: ${Object.keys(archsByModelType).join(", ")}`);
  }
  return arch;
}
