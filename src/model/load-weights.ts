import type { KernelBackend, Tensor, Weight } from "../kernels/backend.js";
import { FormatError } from "../errors.js";
import { quantTraits } from "../quant/registry.js";
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
  // cols: the input width the model feeds this matrix; rows (when fixed by the config): its output width. GGUF ne = [cols, rows].
  const matrix = (name: string, cols: number, rows = 0): Weight | null => {
    const t = src.get(name);
    if (!t) return null;
    const ok = (t.shape.length === 2 || (t.shape.length === 3 && t.shape[2] === 1)) && t.shape[0] === cols && (rows === 0 || t.shape[1] === rows);
    if (!ok) {
      throw new FormatError(src.path, `tensor ${name} has shape [${t.shape.join(", ")}], expected [${cols}, ${rows || "n"}] (arch ${config.arch})`);
    }
    return backend.loadWeight(t.type, t.shape[1]!, t.shape[0]!, take(t));
  };
  const required = (name: string, cols: number, rows = 0): Weight => {
    const w = matrix(name, cols, rows);
    if (!w) throw new FormatError(src.path, `tensor ${name} is missing (arch ${config.arch})`);
    return w;
  };
  // Products that read the same input, fused into one matrix by stacking their rows (Q, K, V; gate, up) when they
  // share a stored type: one product, one activation quantization and one thread dispatch instead of two or three,
  // the same numbers (each output row depends only on its weight row). Null when they cannot be fused.
  const stacked = (names: string[], cols: number, rows: number[]): Weight | null => {
    const ts = names.map((n) => src.get(n));
    const first = ts[0];
    if (!first || ts.some((t, i) => !t || t.type !== first.type || t.shape.length !== 2 || t.shape[0] !== cols || (rows[i] !== 0 && t.shape[1] !== rows[i]))) {
      return null;
    }
    const parts = ts.map((t) => take(t!));
    // Stacked straight into the backend's memory where it offers it (no garbage copy the size of the matrices).
    const n = parts.reduce((a, p) => a + p.byteLength, 0);
    const all = backend.allocBytes?.(n) ?? new Uint8Array(n);
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.byteLength;
    }
    return backend.loadWeight(first.type, ts.reduce((a, t) => a + t!.shape[1]!, 0), cols, all);
  };
  const stackedVector = (names: string[], lengths: number[]): Tensor | null => {
    if (names.every((n) => !src.get(n))) return null;
    const out = new Float32Array(lengths.reduce((a, b) => a + b, 0));
    let off = 0;
    names.forEach((n, i) => {
      const v = hostVector(n, lengths[i]!);
      if (v) out.set(v, off);
      off += lengths[i]!;
    });
    return backend.tensorFrom(out);
  };
  const vectorTensor = (name: string, ...lengths: number[]): SourceTensor | null => {
    const t = src.get(name);
    if (!t) return null;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (!lengths.includes(n)) throw new FormatError(src.path, `tensor ${name} has ${n} values, expected ${lengths.join(" or ")} (arch ${config.arch})`);
    return t;
  };
  const vector = (name: string, ...lengths: number[]): Tensor | null => {
    const t = vectorTensor(name, ...lengths);
    return t && backend.loadVector(t.type, t.shape.reduce((a, b) => a * b, 1), take(t));
  };
  // Values the model itself needs on the host (rope_freqs), decoded by the type's reference dequantize.
  const hostVector = (name: string, ...lengths: number[]): Float32Array | null => {
    const t = vectorTensor(name, ...lengths);
    if (!t) return null;
    const out = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
    quantTraits(t.type).dequantize(take(t), out, out.length);
    return out;
  };
  const experts = (layer: number, kind: string): Weight[] => {
    if (config.nExperts === 0) return [];
    const fused = src.get(`blk.${layer}.ffn_${kind}_exps.weight`);
    if (fused) {
      const [cols, rows, n] = fused.shape as [number, number, number];
      if (n !== config.nExperts) throw new FormatError(src.path, `tensor ${fused.name} holds ${n} experts, config says ${config.nExperts}`);
      const [wantCols, wantRows] = kind === "down" ? [config.expertFfnSize, config.hiddenSize] : [config.hiddenSize, config.expertFfnSize];
      if (fused.shape.length !== 3 || cols !== wantCols || rows !== wantRows) {
        throw new FormatError(src.path, `tensor ${fused.name} has shape [${fused.shape.join(", ")}], expected [${wantCols}, ${wantRows}, ${n}] (arch ${config.arch})`);
      }
      const bytes = take(fused);
      const per = bytes.byteLength / n;
      return Array.from({ length: n }, (_, e) => backend.loadWeight(fused.type, rows, cols, bytes.subarray(e * per, (e + 1) * per)));
    }
    const [cols, rows] = kind === "down" ? [config.expertFfnSize, config.hiddenSize] : [config.hiddenSize, config.expertFfnSize];
    return Array.from({ length: config.nExperts }, (_, e) => required(`blk.${layer}.ffn_${kind}.${e}.weight`, cols, rows));
  };

  for (const name of ["rope_factors_long.weight", "rope_factors_short.weight"]) {
    if (src.get(name)) throw new FormatError(src.path, `tensor ${name}: LongRoPE scaling (Phi-3 128K) is not supported`);
  }
  const { hiddenSize: hidden, nHeads, nKvHeads, headDim, vocabSize, nExperts } = config;
  // The declared layer count against the tensors present, before any layer is loaded: every block has an
  // attention output. A file claiming more layers than it holds fails here, not after loading the ones it has.
  for (let l = 0; l < config.nLayers; l++) {
    if (!src.get(`blk.${l}.attn_output.weight`)) {
      throw new FormatError(src.path, `the config declares ${config.nLayers} layers, but block ${l} has no attn_output.weight (arch ${config.arch})`);
    }
  }
  const qDim = nHeads * headDim;
  const kvDim = nKvHeads * headDim;
  const tokenEmbd = required("token_embd.weight", hidden, vocabSize);
  const layers: LayerWeights[] = [];
  for (let l = 0; l < config.nLayers; l++) {
    const p = `blk.${l}.`;
    const qkvNames = ["q", "k", "v"].map((x) => `${p}attn_${x}.weight`);
    const qkvBiasNames = ["q", "k", "v"].map((x) => `${p}attn_${x}.bias`);
    const qkvRows = [qDim, kvDim, kvDim];
    const qkv = stacked(qkvNames, hidden, qkvRows);
    const gateUpNames = [`${p}ffn_gate.weight`, `${p}ffn_up.weight`];
    const gateUp = nExperts === 0 && !src.get(`${p}ffn_up.bias`) ? stacked(gateUpNames, hidden, [config.ffnSize, config.ffnSize]) : null;
    const layer: LayerWeights = {
      attnNorm: vector(`${p}attn_norm.weight`, hidden),
      attnNormBias: vector(`${p}attn_norm.bias`, hidden),
      attnQ: qkv ? null : matrix(qkvNames[0]!, hidden, qDim),
      attnK: qkv ? null : matrix(qkvNames[1]!, hidden, kvDim),
      attnV: qkv ? null : matrix(qkvNames[2]!, hidden, kvDim),
      attnQkv: qkv ?? matrix(`${p}attn_qkv.weight`, hidden, qDim + 2 * kvDim),
      attnQBias: qkv ? null : vector(qkvBiasNames[0]!, qDim),
      attnKBias: qkv ? null : vector(qkvBiasNames[1]!, kvDim),
      attnVBias: qkv ? null : vector(qkvBiasNames[2]!, kvDim),
      attnQkvBias: qkv ? stackedVector(qkvBiasNames, qkvRows) : vector(`${p}attn_qkv.bias`, qDim + 2 * kvDim),
      attnQNorm: vector(`${p}attn_q_norm.weight`, headDim, qDim),
      attnKNorm: vector(`${p}attn_k_norm.weight`, headDim, kvDim),
      attnOutput: required(`${p}attn_output.weight`, qDim, hidden),
      attnOutputBias: vector(`${p}attn_output.bias`, hidden),
      attnPostNorm: vector(`${p}post_attention_norm.weight`, hidden),
      ffnNorm: vector(`${p}ffn_norm.weight`, hidden),
      ffnNormBias: vector(`${p}ffn_norm.bias`, hidden),
      ffnGate: gateUp ? null : matrix(gateUpNames[0]!, hidden),
      ffnUp: gateUp ?? matrix(gateUpNames[1]!, hidden),
      ffnUpBias: vector(`${p}ffn_up.bias`, config.ffnSize),
      ffnDown: matrix(`${p}ffn_down.weight`, config.ffnSize, hidden),
      ffnDownBias: vector(`${p}ffn_down.bias`, hidden),
      ffnPostNorm: vector(`${p}post_ffw_norm.weight`, hidden),
      ffnGateInp: matrix(`${p}ffn_gate_inp.weight`, hidden, Math.max(nExperts, 1)),
      ffnGateExps: experts(l, "gate"),
      ffnUpExps: experts(l, "up"),
      ffnDownExps: experts(l, "down"),
    };
    const hasAttn = layer.attnQkv !== null || (layer.attnQ !== null && layer.attnK !== null && layer.attnV !== null);
    const hasFfn = nExperts > 0 ? layer.ffnGateInp !== null : layer.ffnUp !== null && layer.ffnDown !== null;
    if (!hasAttn || !hasFfn) {
      throw new FormatError(src.path, `block ${l} lacks its ${hasAttn ? "FFN" : "Q/K/V"} tensors (arch ${config.arch})`);
    }
    layers.push(layer);
  }
  // Tied embeddings, or a GGUF that dropped output.weight because it equals token_embd (llama.cpp does the same).
  const output = matrix("output.weight", hidden, vocabSize) ?? tokenEmbd;
  return {
    tokenEmbd,
    // One row per position: a shorter table would be read past its end at positions ≥ its rows.
    positionEmbd: matrix("position_embd.weight", hidden, config.ctxLen),
    outputNorm: vector("output_norm.weight", hidden),
    outputNormBias: vector("output_norm.bias", hidden),
    output,
    ropeFreqs: hostVector("rope_freqs.weight", config.nRot / 2),
    layers,
  };
}
