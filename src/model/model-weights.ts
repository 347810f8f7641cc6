import type { Tensor, Weight } from "../kernels/backend.js";

/** One block's weights under GGUF's names (blk.N.<name>); null where the architecture has no such tensor. */
export interface LayerWeights {
  readonly attnNorm: Tensor | null;
  readonly attnNormBias: Tensor | null;
  readonly attnQ: Weight | null;
  readonly attnK: Weight | null;
  readonly attnV: Weight | null;
  /** Fused [qDim + 2·kvDim, hidden] projection (Phi-3 qkv_proj, GPT-2 c_attn). */
  readonly attnQkv: Weight | null;
  readonly attnQBias: Tensor | null;
  readonly attnKBias: Tensor | null;
  readonly attnVBias: Tensor | null;
  readonly attnQkvBias: Tensor | null;
  readonly attnQNorm: Tensor | null;
  readonly attnKNorm: Tensor | null;
  readonly attnOutput: Weight;
  readonly attnOutputBias: Tensor | null;
  readonly attnPostNorm: Tensor | null;
  readonly ffnNorm: Tensor | null;
  readonly ffnNormBias: Tensor | null;
  readonly ffnGate: Weight | null;
  /** [ffnSize, hidden], or fused gate-up [2·ffnSize, hidden] when ffnGate is null in a gated FFN (Phi-3). */
  readonly ffnUp: Weight | null;
  readonly ffnUpBias: Tensor | null;
  readonly ffnDown: Weight | null;
  readonly ffnDownBias: Tensor | null;
  readonly ffnPostNorm: Tensor | null;
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
  readonly outputNorm: Tensor | null;
  readonly outputNormBias: Tensor | null;
  /** The LM head; token_embd itself when embeddings are tied. */
  readonly output: Weight;
  /**
   * GGUF rope_freqs: per-dimension divisors of the RoPE frequencies (Llama 3 scaling as converted by llama.cpp), as
   * host values: they divide the frequency tables once, at load.
   */
  readonly ropeFreqs: Float32Array | null;
  readonly layers: readonly LayerWeights[];
}
