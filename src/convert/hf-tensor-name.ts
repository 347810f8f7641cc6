import type { ConvertArch } from "./convert-arch.js";

/** Where one Hugging Face tensor goes in the GGUF file. */
export type MappedTensor =
  | { kind: "tensor"; name: string; layer: number }
  | { kind: "expert"; name: string; layer: number; expert: number }
  | { kind: "skip" };

// gguf-py tensor_mapping.py, the subset these architectures use: HF module path → GGUF tensor name.
const topLevel: Readonly<Record<string, string>> = {
  embed_tokens: "token_embd",
  norm: "output_norm",
  wte: "token_embd",
  wpe: "position_embd",
  ln_f: "output_norm",
};

const layerLocal: Readonly<Record<string, string>> = {
  "self_attn.q_proj": "attn_q",
  "self_attn.k_proj": "attn_k",
  "self_attn.v_proj": "attn_v",
  "self_attn.o_proj": "attn_output",
  "self_attn.qkv_proj": "attn_qkv",
  "self_attn.q_norm": "attn_q_norm",
  "self_attn.k_norm": "attn_k_norm",
  input_layernorm: "attn_norm",
  post_attention_layernorm: "ffn_norm",
  "mlp.gate_proj": "ffn_gate",
  "mlp.up_proj": "ffn_up",
  "mlp.down_proj": "ffn_down",
  "mlp.gate_up_proj": "ffn_up",
  "mlp.gate": "ffn_gate_inp",
  "block_sparse_moe.gate": "ffn_gate_inp",
  ln_1: "attn_norm",
  ln_2: "ffn_norm",
  "attn.c_attn": "attn_qkv",
  "attn.c_proj": "attn_output",
  "mlp.c_fc": "ffn_up",
  "mlp.c_proj": "ffn_down",
};

const expertProj: Readonly<Record<string, string>> = {
  gate_proj: "ffn_gate_exps",
  w1: "ffn_gate_exps",
  up_proj: "ffn_up_exps",
  w3: "ffn_up_exps",
  down_proj: "ffn_down_exps",
  w2: "ffn_down_exps",
};

const layerRe = /^(?:model\.|transformer\.)?(?:layers|h)\.(\d+)\.(.+)\.(weight|bias)$/;
const expertRe = /^(?:mlp|block_sparse_moe)\.experts\.(\d+)\.(\w+)$/;
const topRe = /^(?:model\.|transformer\.)?(\w+)\.(weight|bias)$/;

/** Maps an HF tensor name; undefined when the name is unknown (the caller reports it). */
export function mapHfTensorName(arch: ConvertArch, hfName: string): MappedTensor | undefined {
  if (hfName.endsWith("rotary_emb.inv_freq") || hfName.endsWith(".attn.bias") || hfName.endsWith(".attn.masked_bias")) {
    return { kind: "skip" }; // buffers recomputed at load, not weights
  }
  if (hfName === "lm_head.weight") return { kind: "tensor", name: "output.weight", layer: -1 };
  const m = layerRe.exec(hfName);
  if (m) {
    const layer = Number(m[1]);
    const module = m[2]!;
    const suffix = m[3]!;
    const e = expertRe.exec(module);
    if (e) {
      const proj = expertProj[e[2]!];
      return proj ? { kind: "expert", name: `blk.${layer}.${proj}.${suffix}`, layer, expert: Number(e[1]) } : undefined;
    }
    const local = arch.layerNames?.[module] ?? layerLocal[module];
    return local ? { kind: "tensor", name: `blk.${layer}.${local}.${suffix}`, layer } : undefined;
  }
  const t = topRe.exec(hfName);
  const top = t ? topLevel[t[1]!] : undefined;
  return top ? { kind: "tensor", name: `${top}.${t![2]}`, layer: -1 } : undefined;
}
