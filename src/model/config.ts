import { FormatError } from "../errors.js";
import type { Activation, RopeLayout } from "../kernels/backend.js";
import { checkedCount, configLimits } from "./config-limits.js";

/** How RoPE frequencies are stretched for long context (HF rope_parameters.rope_type). */
export interface RopeScaling {
  readonly type: "none" | "linear" | "llama3";
  readonly factor: number;
  /** llama3 only. */
  readonly lowFreqFactor: number;
  readonly highFreqFactor: number;
  readonly originalCtxLen: number;
}

export const noRopeScaling: RopeScaling = { type: "none", factor: 1, lowFreqFactor: 1, highFreqFactor: 1, originalCtxLen: 0 };

/**
 * The normalized model configuration: one vocabulary of dimensions for every architecture, filled by the arch
 * file from HF config.json or GGUF metadata. Per-layer variation (sliding window, RoPE base) is explicit per layer.
 */
export interface ModelConfig {
  /** The arch file's name (llama, gemma2, …). */
  readonly arch: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly headDim: number;
  /** Dense FFN inner size; for MoE models the per-expert inner size is expertFfnSize. */
  readonly ffnSize: number;
  /** The longest context the model was trained for (max_position_embeddings / context_length). */
  readonly ctxLen: number;
  readonly normEps: number;
  readonly normKind: "rms" | "layer";
  readonly activation: Activation;
  readonly ropeTheta: number;
  /** RoPE base for sliding-window layers when it differs (Gemma 3 local layers); 0 = same as ropeTheta. */
  readonly ropeThetaLocal: number;
  readonly ropeScaling: RopeScaling;
  /** Rotated dims per head (partial rotary when < headDim); 0 = no RoPE (learned positions). */
  readonly nRot: number;
  /** Pair layout of Q/K rows as stored by this source: HF checkpoints are "neox"; llama-family GGUF is "normal". */
  readonly ropeLayout: RopeLayout;
  /** Sliding window size in tokens (0 = none) and which layers use it. */
  readonly slidingWindow: number;
  readonly slidingLayers: readonly boolean[];
  /** Gemma 2: attention-logit and final-logit soft-capping (0 = none). */
  readonly attnSoftcap: number;
  readonly finalSoftcap: number;
  /** Attention scale is queryPreAttnScalar^-1/2 (Gemma 2/3); 0 = headDim^-1/2. */
  readonly queryPreAttnScalar: number;
  /** Multiplies token embeddings (Gemma: sqrt(hiddenSize)); 1 = none. */
  readonly embedScale: number;
  readonly tiedEmbeddings: boolean;
  /** Mixture of experts: 0 experts = dense FFN. */
  readonly nExperts: number;
  readonly nExpertsUsed: number;
  readonly expertFfnSize: number;
  /** Renormalize the selected experts' softmax weights to sum to 1 (Mixtral; Qwen3-MoE norm_topk_prob). */
  readonly normTopK: boolean;
}

export type ModelConfigInput = Omit<ModelConfig, "slidingLayers" | "ropeThetaLocal" | "ropeScaling" | "attnSoftcap"
  | "finalSoftcap" | "queryPreAttnScalar" | "embedScale" | "nExperts" | "nExpertsUsed" | "expertFfnSize" | "normTopK"
  | "slidingWindow" | "nRot" | "activation" | "normKind" | "ropeLayout"> & Partial<ModelConfig>;

/** Fills the defaults of a plain dense pre-norm RMSNorm/SwiGLU/RoPE model and checks the dimensions agree. */
export function makeConfig(c: ModelConfigInput): ModelConfig {
  checkedCount(`model config (${c.arch})`, "nLayers", c.nLayers, configLimits.nLayers); // before the default slidingLayers
  const config: ModelConfig = {
    normKind: "rms",
    activation: "silu",
    ropeThetaLocal: 0,
    ropeScaling: noRopeScaling,
    nRot: c.headDim,
    ropeLayout: "neox",
    slidingWindow: 0,
    slidingLayers: new Array<boolean>(c.nLayers).fill(false),
    attnSoftcap: 0,
    finalSoftcap: 0,
    queryPreAttnScalar: 0,
    embedScale: 1,
    nExperts: 0,
    nExpertsUsed: 0,
    expertFfnSize: 0,
    normTopK: false,
    ...c,
  };
  validateConfig(config);
  return config;
}

// Every count is bounded (configLimits) as well as positive: nothing downstream sizes memory by an unchecked value.
function validateConfig(c: ModelConfig): void {
  const file = `model config (${c.arch})`;
  const positive = ["vocabSize", "hiddenSize", "nLayers", "nHeads", "nKvHeads", "headDim", "ctxLen"] as const;
  for (const key of positive) checkedCount(file, key, c[key], configLimits[key]);
  const nonNegative = ["ffnSize", "expertFfnSize", "slidingWindow", "nRot", "nExperts", "nExpertsUsed"] as const;
  for (const key of nonNegative) checkedCount(file, key, c[key], configLimits[key], 0);
  if (c.nHeads % c.nKvHeads !== 0) throw new FormatError(file, `nHeads ${c.nHeads} is not a multiple of nKvHeads ${c.nKvHeads}`);
  if (c.nRot % 2 !== 0 || c.nRot > c.headDim) throw new FormatError(file, `nRot ${c.nRot} must be even and ≤ headDim ${c.headDim}`);
  if (c.slidingLayers.length !== c.nLayers) throw new FormatError(file, `slidingLayers has ${c.slidingLayers.length} entries for ${c.nLayers} layers`);
  if (c.nExperts > 0 && (c.nExpertsUsed < 1 || c.nExpertsUsed > c.nExperts)) {
    throw new FormatError(file, `nExpertsUsed ${c.nExpertsUsed} must be in [1, nExperts ${c.nExperts}]`);
  }
}

/**
 * The per-dimension RoPE inverse frequencies (nRot/2 entries) for a base θ: θ^(-2i/nRot), stretched by the
 * scaling rule (HF modeling_rope_utils: _compute_default/linear/llama3_parameters), in float32 like HF.
 */
export function ropeInvFreq(nRot: number, theta: number, scaling: RopeScaling): Float32Array {
  const inv = new Float32Array(nRot / 2);
  for (let i = 0; i < nRot / 2; i++) inv[i] = 1 / Math.fround(theta ** Math.fround((2 * i) / nRot));
  if (scaling.type === "linear") for (let i = 0; i < inv.length; i++) inv[i] = inv[i]! / scaling.factor;
  if (scaling.type === "llama3") {
    const { factor, lowFreqFactor, highFreqFactor, originalCtxLen } = scaling;
    const lowFreqWavelen = originalCtxLen / lowFreqFactor;
    const highFreqWavelen = originalCtxLen / highFreqFactor;
    for (let i = 0; i < inv.length; i++) {
      const wavelen = (2 * Math.PI) / inv[i]!;
      if (wavelen > lowFreqWavelen) inv[i] = inv[i]! / factor;
      else if (wavelen >= highFreqWavelen) {
        const smooth = (originalCtxLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        inv[i] = (1 - smooth) * (inv[i]! / factor) + smooth * inv[i]!;
      }
    }
  }
  return inv;
}

/**
 * Llama-3 RoPE scaling as llama.cpp's converter stores it: the rope_freqs tensor of per-dimension divisors of
 * θ^(-2i/headDim), computed as convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors does (float32
 * frequencies, float64 factors); null when the config has no llama3 scaling. ropeInvFreq above is HF's form of the
 * same rule (it scales the frequencies directly); the two round differently, so each path keeps its reference's.
 */
export function llama3RopeFreqFactors(c: ModelConfig): Float32Array | null {
  if (c.ropeScaling.type !== "llama3") return null;
  const { factor, lowFreqFactor, highFreqFactor, originalCtxLen } = c.ropeScaling;
  const lowFreqWavelen = originalCtxLen / lowFreqFactor;
  const highFreqWavelen = originalCtxLen / highFreqFactor;
  const factors = new Float32Array(c.headDim / 2);
  for (let i = 0; i < factors.length; i++) {
    const freq = Math.fround(1 / Math.fround(c.ropeTheta ** Math.fround((2 * i) / c.headDim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highFreqWavelen) factors[i] = 1;
    else if (wavelen > lowFreqWavelen) factors[i] = factor;
    else {
      const smooth = (originalCtxLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      factors[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return factors;
}
