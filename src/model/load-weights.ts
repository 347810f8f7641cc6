import type { KernelBackend, Weight } from "../kernels/backend.js";
import { FormatError } from "../errors.js";
import type { ModelConfig } from "./config.js";
import type { LayerWeights, ModelWeights } from "./model-weights.js";
import type { SourceTensor, TensorSource } from "./tensor-source.js";

/** Called after each tensor is handed to the backend: bytes loaded so far of the total. */
export type LoadProgress = (loadedBytes: number, totalBytes: number) => void;

/**
 * Hands every tensor the architecture uses to the backend under its GGUF name: matrices stay in their stored type,
 * 1-D tensors (norms, biases) become float32 vectors. MoE experts come from GGUF's 3-D *_exps tensors or from
 * per-expert tensors (blk.N.ffn_gate.E, as HF stores them).
 */
export function loadModelWeights(src: TensorSource, config: ModelConfig, backend: KernelBackend,
  onProgress?: LoadProgress, totalBytes = 0): ModelWeights {
  let loaded = 0;
  const take = (t: SourceTensor): Uint8Array => {
    const bytes = src.bytes(t);
    loaded += bytes.byteLength;
    onProgress?.(loaded, Math.max(totalBytes, loaded));
    return bytes;
  };
  const matrix = (name: string): Weight | null => {
    const t = src.get(name);
    if (!t) return null;
    if (t.shape.length !== 2 && !(t.shape.length === 3 && t.shape[2] === 1)) {
      throw new FormatError(src.path, `tensor ${name} has shape [${t.shape.join(", ")}], expected a matrix`);
    }
    return backend.loadWeight(t.type, t.shape[1]!, t.shape[0]!, take(t));
  };
  const required = (name: string): Weight => {
    const w = matrix(name);
    if (!w) throw new FormatError(src.path, `tensor ${name} is missing (arch ${config.arch})`);
    return w;
  };
  const vector = (name: string): Float32Array | null => {
    const t = src.get(name);
    if (!t) return null;
    const n = t.shape.reduce((a, b) => a * b, 1);
    return backend.loadVector(t.type, n, take(t));
  };
  const experts = (layer: number, kind: string): Weight[] => {
    if (config.nExperts === 0) return [];
    const fused = src.get(`blk.${layer}.ffn_${kind}_exps.weight`);
    if (fused) {
      const [cols, rows, n] = fused.shape as [number, number, number];
      if (n !== config.nExperts) throw new FormatError(src.path, `tensor ${fused.name} holds ${n} experts, config says ${config.nExperts}`);
      const bytes = take(fused);
      const per = bytes.byteLength / n;
      return Array.from({ length: n }, (_, e) => backend.loadWeight(fused.type, rows, cols, bytes.subarray(e * per, (e + 1) * per)));
    }
    return Array.from({ length: config.nExperts }, (_, e) => required(`blk.${layer}.ffn_${kind}.${e}.weight`));
  };

  const tokenEmbd = required("token_embd.weight");
  const layers: LayerWeights[] = [];
  for (let l = 0; l < config.nLayers; l++) {
    const p = `blk.${l}.`;
    layers.push({
      attnNorm: vector(`${p}attn_norm.weight`),
      attnNormBias: vector(`${p}attn_norm.bias`),
      attnQ: matrix(`${p}attn_q.weight`),
      attnK: matrix(`${p}attn_k.weight`),
      attnV: matrix(`${p}attn_v.weight`),
      attnQkv: matrix(`${p}attn_qkv.weight`),
      attnQBias: vector(`${p}attn_q.bias`),
      attnKBias: vector(`${p}attn_k.bias`),
      attnVBias: vector(`${p}attn_v.bias`),
      attnQkvBias: vector(`${p}attn_qkv.bias`),
      attnQNorm: vector(`${p}attn_q_norm.weight`),
      attnKNorm: vector(`${p}attn_k_norm.weight`),
      attnOutput: required(`${p}attn_output.weight`),
      attnOutputBias: vector(`${p}attn_output.bias`),
      attnPostNorm: vector(`${p}post_attention_norm.weight`),
      ffnNorm: vector(`${p}ffn_norm.weight`),
      ffnNormBias: vector(`${p}ffn_norm.bias`),
      ffnGate: matrix(`${p}ffn_gate.weight`),
      ffnUp: matrix(`${p}ffn_up.weight`),
      ffnUpBias: vector(`${p}ffn_up.bias`),
      ffnDown: matrix(`${p}ffn_down.weight`),
      ffnDownBias: vector(`${p}ffn_down.bias`),
      ffnPostNorm: vector(`${p}post_ffw_norm.weight`),
      ffnGateInp: matrix(`${p}ffn_gate_inp.weight`),
      ffnGateExps: experts(l, "gate"),
      ffnUpExps: experts(l, "up"),
      ffnDownExps: experts(l, "down"),
    });
  }
  // Tied embeddings, or a GGUF that dropped output.weight because it equals token_embd (llama.cpp does the same).
  const output = matrix("output.weight") ?? tokenEmbd;
  return {
    tokenEmbd,
    positionEmbd: matrix("position_embd.weight"),
    outputNorm: vector("output_norm.weight"),
    outputNormBias: vector("output_norm.bias"),
    output,
    ropeFreqs: vector("rope_freqs.weight"),
    layers,
  };
}
