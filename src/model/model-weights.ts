import type { Weight } from "../kernels/backend.js";

/** One block's weights under GGUF's names (blk.N.<name>); null where the architecture has no such tensor. */
export interface LayerWeights {
  readonly attnNorm: Float32Array | null;
  readonly attnNormBias: Float32Array | null;
  readonly attnQ: Weight | null;
  readonly attnK: Weight | null;
  readonly attnV: Weight | null;
  /** Fused [qDim + 2·kvDim, hidden] projection (Phi-3 qkv_proj, GPT-2 c_attn). */
  readonly attnQkv: Weight | null;
  readonly attnQBias: Float32Array | null;
  readonly attnKBias: Float32Array | null;
  readonly attnVBias: Float32Array | null;
  readonly attnQkvBias: Float32Array | null;
  readonly attnQNorm: Float32Array | null;
  readonly attnKNorm: Float32Array | null;
  readonly attnOutput: Weight;
  readonly attnOutputBias: Float32Array | null;
  readonly attnPostNorm: Float32Array | null;
  readonly ffnNorm: Float32Array | null;
  readonly ffnNormBias: Float32Array | null;
  readonly ffnGate: Weight | null;
  /** [ffnSize, hidden], or fused gate-up [2·ffnSize, hidden] when ffnGate is null in a gated FFN (Phi-3). */
  readonly ffnUp: Weight | null;
  readonly ffnUpBias: Float32Array | null;
  readonly ffnDown: Weight | null;
  readonly ffnDownBias: Float32Array | null;
  readonly ffnPostNorm: Float32Array | null;
  /** MoE router [nExperts, hidden] and per-expert matrices. */
  readonly ffnGateInp: Weight | null;
  readonly ffnGateExps: readonly Weight[];
  readonly ffnUpExps: readonly Weight[];
  readonly ffnDownExps: readonly Weight[];
}

export interface ModelWeights {
  readonly tokenEmbd: Weight;
  /** Learned absolute positions (GPT-2). */
  readonly positionEmbd: Weight | null;
  readonly outputNorm: Float32Array | null;
  readonly outputNormBias: Float32Array | null;
  /** The LM head; token_embd itself when embeddings are tied. */
  readonly output: Weight;
  /** GGUF rope_freqs: per-dimension divisors of the RoPE frequencies (Llama 3 scaling as converted by llama.cpp). */
  readonly ropeFreqs: Float32Array | null;
  readonly layers: readonly LayerWeights[];
}
