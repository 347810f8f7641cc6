// llama-quant.cpp's broad tensor categories and which tensors may be quantized at all.

export type TensorCategory =
  | "output"
  | "tokenEmbd"
  | "attnQkv"
  | "attnKvB"
  | "attnV"
  | "attnK"
  | "attnQ"
  | "attnOutput"
  | "ffnUp"
  | "ffnGate"
  | "ffnDown"
  | "other";

/** tensor_get_category: the first matching rule wins, in llama.cpp's order. */
export function tensorCategory(name: string): TensorCategory {
  if (name === "output.weight") return "output";
  if (name === "token_embd.weight" || name === "per_layer_token_embd.weight") return "tokenEmbd";
  if (name.includes("attn_qkv.weight")) return "attnQkv";
  if (name.includes("attn_kv_b.weight")) return "attnKvB";
  if (name.includes("attn_v.weight")) return "attnV";
  if (name.includes("attn_k.weight")) return "attnK";
  if (name.includes("attn_q.weight")) return "attnQ";
  if (name.includes("attn_output.weight")) return "attnOutput";
  if (name.includes("ffn_up")) return "ffnUp";
  if (name.includes("ffn_gate")) return "ffnGate";
  if (name.includes("ffn_down")) return "ffnDown";
  return "other";
}

/** category_is_attn_v: the attention-value-like tensors, most sensitive to quantization. */
export function isAttnVLike(category: TensorCategory): boolean {
  return category === "attnV" || category === "attnQkv" || category === "attnKvB";
}

// Substrings of tensors llama.cpp never quantizes: small, routing, positional or multimodal tensors.
const keptSubstrings = [
  "_norm.weight",
  "ffn_gate_inp.weight",
  "ffn_gate_tid2eid.weight",
  "altup",
  "laurel",
  "per_layer_model_proj",
  "ssm_conv1d",
  "shortconv.conv.weight",
  "indexer.k_proj.weight",
  "indexer.q_proj.weight",
  "time_mix_first.weight",
  "time_mix_w0.weight",
  "time_mix_w1.weight",
  "time_mix_w2.weight",
  "time_mix_v0.weight",
  "time_mix_v1.weight",
  "time_mix_v2.weight",
  "time_mix_a0.weight",
  "time_mix_a1.weight",
  "time_mix_a2.weight",
  "time_mix_g1.weight",
  "time_mix_g2.weight",
  "time_mix_decay_w1.weight",
  "time_mix_decay_w2.weight",
  "time_mix_lerp_fused.weight",
  "attn_rel_b.weight",
  ".position_embd",
  "sam.pos_embd",
  "sam.neck.",
  "sam.net_",
  ".rel_pos",
  ".patch_embd",
  ".patch_merger",
  "a.rvq.codebook",
  "mm.a.code_embd",
];

/** tensor_allows_quantization: 2-D and 3-D tensors whose name ends in "weight", minus the kept ones above. */
export function allowsQuantization(name: string, nDims: number): boolean {
  if (nDims < 2) return false;
  if (!name.endsWith("weight")) return false;
  if (name === "position_embd.weight" || name === "token_types.weight") return false;
  return !keptSubstrings.some((s) => name.includes(s));
}
