// RoPE's inverse frequencies, saved by older transformers in every checkpoint: recomputed at load, never a weight.
const ropeBuffer = /(^|\.)rotary_emb\.inv_freq$/;

/**
 * Builds an HF → GGUF tensor-name mapper from two tables: top-level names, and per-layer names relative to
 * `<layerPrefix>N.` (a `*` stands for an expert index). The .weight / .bias suffix carries over.
 * Example: model.layers.3.self_attn.q_proj.weight → blk.3.attn_q.weight. Buffers (RoPE inv_freq, and those
 * `buffers` matches) map to null, unknown names to undefined (ArchSpec.hfTensorName).
 */
export function hfNameMapper(top: Record<string, string>, layer: Record<string, string>,
  layerPrefix = "model.layers.", buffers?: RegExp): (hfName: string) => string | null | undefined {
  const patterns = Object.entries(layer).map(([from, to]) => ({
    re: new RegExp(`^${from.replace(/\./g, "\\.").replace("*", "(\\d+)")}$`),
    to,
  }));
  return (hfName) => {
    if (Object.hasOwn(top, hfName)) return top[hfName]!;
    if (ropeBuffer.test(hfName) || buffers?.test(hfName)) return null;
    if (!hfName.startsWith(layerPrefix)) return undefined;
    const rest = hfName.slice(layerPrefix.length);
    const dot = rest.indexOf(".");
    const n = rest.slice(0, dot);
    if (!/^\d+$/.test(n)) return undefined;
    const tail = rest.slice(dot + 1);
    const suffixAt = tail.lastIndexOf(".");
    const base = tail.slice(0, suffixAt);
    const suffix = tail.slice(suffixAt);
    for (const { re, to } of patterns) {
      const m = re.exec(base);
      if (m) return `blk.${n}.${m[1] === undefined ? to : to.replace("*", m[1])}${suffix}`;
    }
    return undefined;
  };
}

export const llamaTopNames: Record<string, string> = {
  "model.embed_tokens.weight": "token_embd.weight",
  "model.norm.weight": "output_norm.weight",
  "lm_head.weight": "output.weight",
};

/** Llama's per-layer names; most HF decoder models reuse them. */
export const llamaLayerNames: Record<string, string> = {
  input_layernorm: "attn_norm",
  "self_attn.q_proj": "attn_q",
  "self_attn.k_proj": "attn_k",
  "self_attn.v_proj": "attn_v",
  "self_attn.o_proj": "attn_output",
  "self_attn.q_norm": "attn_q_norm",
  "self_attn.k_norm": "attn_k_norm",
  post_attention_layernorm: "ffn_norm",
  "mlp.gate_proj": "ffn_gate",
  "mlp.up_proj": "ffn_up",
  "mlp.down_proj": "ffn_down",
};
