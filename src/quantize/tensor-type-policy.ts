import { InputError } from "../errors.js";
import type { GgmlTypeName } from "../quant/ggml-type.js";
import { quantTraits } from "../quant/registry.js";
import type { QuantizeFileType } from "./quantize-file-type.js";
import { allowsQuantization, isAttnVLike, tensorCategory } from "./tensor-category.js";
import type { TensorCategory } from "./tensor-category.js";

/** The model facts llama-quant.cpp's type choices depend on. */
export interface QuantizeHparams {
  arch: string;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  nExperts: number;
}

/** llama-quantize's options that change per-tensor types (--pure, --output-tensor-type, ...). */
export interface TypeOverrides {
  /** --pure: every quantizable tensor gets the base type (still subject to the row-length fallback). */
  pure?: boolean;
  /** --leave-output-tensor: output.weight stays as it is. */
  leaveOutputTensor?: boolean;
  /** --output-tensor-type: output.weight's type (and token_embd's when the embeddings are tied). */
  outputTensorType?: GgmlTypeName;
  /** --token-embedding-type: token_embd.weight's type. */
  tokenEmbeddingType?: GgmlTypeName;
}

export interface PolicyTensor {
  name: string;
  /** ne order: shape[0] is the row length. */
  shape: number[];
  type: GgmlTypeName;
}

// llama-quant.cpp use_more_bits: the first and last eighth of the layers, and every third layer in between.
function useMoreBits(iLayer: number, nLayers: number): boolean {
  const eighth = Math.trunc(nLayers / 8);
  return iLayer < eighth || iLayer >= Math.trunc((7 * nLayers) / 8) || (iLayer - eighth) % 3 === 2;
}

/** ggml_n_dims: dimensions up to the last one larger than 1. */
function nDims(shape: number[]): number {
  let n = 1;
  for (let i = 1; i < shape.length; i++) if (shape[i] > 1) n = i + 1;
  return n;
}

/**
 * llama-quant.cpp llama_tensor_get_type (no imatrix, no overrides): the per-tensor type of a mix such as Q4_K_M.
 * Stateful like llama.cpp's quantize_state_impl: call `choose` once per tensor, in the output file's order.
 */
export class TensorTypePolicy {
  private readonly nAttnV: number;
  private readonly tiedEmbeddings: boolean;
  private readonly nGqa: number;
  private readonly is70B: boolean;
  private iAttnV = 0;
  private iFfnDown = 0;
  private iFfnGate = 0;
  private iFfnUp = 0;
  /** Tensors whose row length forced a fallback type (llama.cpp warns about each). */
  nFallback = 0;

  constructor(
    private readonly ftype: QuantizeFileType,
    private readonly hp: QuantizeHparams,
    tensorNames: readonly string[],
    private readonly overrides: TypeOverrides = {},
  ) {
    this.nAttnV = tensorNames.filter((n) => isAttnVLike(tensorCategory(n))).length;
    this.tiedEmbeddings = !tensorNames.includes("output.weight");
    this.nGqa = hp.nKvHeads === 0 ? 0 : Math.trunc(hp.nHeads / hp.nKvHeads);
    // llama-model.cpp: an 80-layer llama with grouped KV heads is LLM_TYPE_70B.
    this.is70B = hp.arch === "llama" && hp.nLayers === 80 && hp.nHeads !== hp.nKvHeads;
  }

  choose(t: PolicyTensor): GgmlTypeName {
    if (!allowsQuantization(t.name, nDims(t.shape))) return t.type;
    if (this.overrides.leaveOutputTensor && t.name === "output.weight") return t.type;
    const category = tensorCategory(t.name);
    if (this.overrides.tokenEmbeddingType && category === "tokenEmbd") return this.overrides.tokenEmbeddingType;
    if (this.overrides.outputTensorType && category === "output") return this.overrides.outputTensorType;
    const base = this.ftype.defaultType;
    if (base === "F32" || base === "F16" || base === "BF16") return base;
    return this.fallback(t, this.overrides.pure ? base : this.mix(t, category, base));
  }

  private mix(t: PolicyTensor, category: TensorCategory, type: GgmlTypeName): GgmlTypeName {
    const f = this.ftype.name;
    const falcon = this.hp.arch === "falcon";
    if (category === "output" || (this.tiedEmbeddings && category === "tokenEmbd")) {
      if (this.overrides.outputTensorType) return this.overrides.outputTensorType;
      if (falcon || t.shape[0] % quantTraits(type).blockSize !== 0) return "Q8_0";
      return type !== "Q8_0" ? "Q6_K" : type;
    }
    if (category === "tokenEmbd") return type;
    if (isAttnVLike(category)) {
      if (f === "Q2_K") type = this.nGqa >= 4 ? "Q4_K" : "Q3_K";
      else if (f === "Q3_K_M") type = this.iAttnV < 2 ? "Q5_K" : "Q4_K";
      else if (f === "Q3_K_L") type = "Q5_K";
      else if ((f === "IQ4_NL" || f === "IQ4_XS") && this.nGqa >= 4) type = "Q5_K";
      else if ((f === "Q4_K_M" || f === "Q5_K_M") && useMoreBits(this.iAttnV, this.nAttnV)) type = "Q6_K";
      else if (f === "Q4_K_S" && this.iAttnV < 4) type = "Q5_K";
      if (this.is70B && (type === "Q3_K" || type === "Q4_K")) type = "Q5_K";
      if (this.hp.nExperts === 8) type = "Q8_0";
      this.iAttnV++;
      return type;
    }
    if (category === "attnK") return this.hp.nExperts === 8 ? "Q8_0" : type;
    if (category === "ffnDown") {
      const [iLayer, nLayers] = this.layerInfo(this.iFfnDown++, t.name);
      if (f === "Q2_K") return "Q3_K";
      if (f === "Q3_K_M") return iLayer < Math.trunc(nLayers / 16) ? "Q5_K" : !falcon || useMoreBits(iLayer, nLayers) ? "Q4_K" : "Q3_K";
      if (f === "Q3_K_L") return falcon ? "Q4_K" : "Q5_K";
      if (f === "Q4_K_M") {
        if (falcon) return iLayer < Math.trunc(nLayers / 16) ? "Q6_K" : useMoreBits(iLayer, nLayers) ? "Q5_K" : "Q4_K";
        return useMoreBits(iLayer, nLayers) ? "Q6_K" : type;
      }
      if (iLayer < Math.trunc(nLayers / 8) && (f === "IQ4_NL" || f === "IQ4_XS")) return "Q5_K";
      if (f === "Q5_K_M") return useMoreBits(iLayer, nLayers) ? "Q6_K" : type;
      if (f === "Q4_K_S" && !falcon && iLayer < Math.trunc(nLayers / 8)) return "Q5_K";
      return type;
    }
    if (category === "attnOutput") {
      if (falcon) return f === "Q3_K_L" ? "Q4_K" : type;
      if (this.hp.nExperts === 8) {
        const bumped = ["Q2_K", "Q3_K_S", "Q3_K_M", "IQ4_NL", "Q4_K_S", "Q4_K_M", "IQ4_XS"];
        return bumped.includes(f) ? "Q5_K" : type;
      }
      if (f === "Q2_K") return "Q3_K";
      if (f === "Q3_K_M") return "Q4_K";
      if (f === "Q3_K_L") return "Q5_K";
      return type;
    }
    if (category === "attnQkv") {
      if (f === "Q3_K_M" || f === "Q3_K_L") return "Q4_K";
      if (f === "Q4_K_M") return "Q5_K";
      if (f === "Q5_K_M") return "Q6_K";
      return type;
    }
    if (category === "ffnGate") this.layerInfo(this.iFfnGate++, t.name);
    if (category === "ffnUp") this.layerInfo(this.iFfnUp++, t.name);
    return type;
  }

  /** llama-quant.cpp layer_info: the counter is the layer, except in MoE files where the name says it. */
  private layerInfo(counter: number, name: string): [number, number] {
    if (this.hp.nExperts <= 1) return [counter, this.hp.nLayers];
    const match = /^blk\.(-?\d+)\./.exec(name);
    if (!match) throw new InputError(`failed to determine the layer of tensor ${name}`);
    const iLayer = Number(match[1]);
    if (iLayer < 0 || iLayer >= this.hp.nLayers) throw new InputError(`tensor ${name} has layer ${iLayer}, outside [0, ${this.hp.nLayers})`);
    return [iLayer, this.hp.nLayers];
  }

  /** tensor_type_fallback: a row length the chosen type's block does not divide gets a 32-block type, or F16. */
  private fallback(t: PolicyTensor, type: GgmlTypeName): GgmlTypeName {
    const cols = t.shape[0];
    const blockSize = quantTraits(type).blockSize;
    if (cols % blockSize === 0) return type;
    this.nFallback++;
    const fallbacks: Partial<Record<GgmlTypeName, GgmlTypeName>> = {
      IQ4_XS: "IQ4_NL",
      Q2_K: "Q4_0",
      Q3_K: "Q4_0",
      Q4_K: "Q5_0",
      Q5_K: "Q5_1",
      Q6_K: "Q8_0",
    };
    const next = fallbacks[type] ?? type;
    return cols % quantTraits(next).blockSize === 0 ? next : "F16";
  }
}
