import { FormatError } from "../errors.js";
import type { HfModelDir } from "../formats/open-hf-dir.js";
import type { HfTensorInfo } from "../formats/open-safetensors.js";
import type { GgufWriteTensor } from "../formats/write-gguf.js";
import type { ArchSpec } from "../model/arch-spec.js";
import type { ModelConfig } from "../model/config.js";
import { GgmlType } from "../quant/ggml-type.js";
import { transposeBytes } from "../model/hf-tensor-source.js";
import { convertOutTypeIds, decodeTensor, encodeTensor, permuteRopeRows } from "./tensor-values.js";
import type { ConvertOutType } from "./tensor-values.js";

// One expert's projection as the arch names it (blk.N.ffn_gate.E.weight); GGUF stacks them as blk.N.ffn_gate_exps.
const expertName = /^blk\.(\d+)\.(ffn_(?:gate|up|down))\.(\d+)\.(weight|bias)$/;

/**
 * The GGUF tensors of an HF directory, in checkpoint order after the arch's extra tensors: names from the arch,
 * its weight adjustments applied, Q/K rows permuted where the arch's GGUF layout is "normal", MoE experts stacked
 * per layer, 1-D tensors, norms and routers in F32 and matrices in `outType` (convert_hf_to_gguf.py's rules).
 */
export function planGgufTensors(hf: HfModelDir, arch: ArchSpec, config: ModelConfig, outType: ConvertOutType): GgufWriteTensor[] {
  const out: GgufWriteTensor[] = [];
  for (const extra of arch.ggufExtraTensors?.(config) ?? []) {
    out.push({ name: extra.name, type: GgmlType.F32, shape: [...extra.shape], data: encodeTensor(extra.values, GgmlType.F32) });
  }
  const experts = new Map<string, HfTensorInfo[]>();
  for (const info of hf.tensors) {
    const name = arch.hfTensorName(info.name);
    if (name === undefined) throw new FormatError(info.file, `tensor ${info.name} has no GGUF name for arch ${arch.name}`);
    if (name === null) continue;
    const expert = expertName.exec(name);
    if (expert) {
      const stacked = `blk.${expert[1]}.${expert[2]}_exps.${expert[4]}`;
      const list = experts.get(stacked) ?? [];
      if (list.length === 0) {
        experts.set(stacked, list);
        out.push({ name: stacked, type: 0, shape: [], data: new Uint8Array(0) }); // filled below, keeps file order
      }
      list[Number(expert[3])] = info;
      continue;
    }
    if (name === "output.weight" && config.tiedEmbeddings) continue;
    out.push(planTensor(hf, arch, config, name, info, outType));
  }
  for (const [name, list] of experts) {
    const at = out.findIndex((t) => t.name === name);
    out[at] = planExperts(hf, name, list, outType);
  }
  return out;
}

/** convert_hf_to_gguf.py keeps 1-D tensors, norms, MoE routers and position embeddings in F32. */
function outTypeFor(name: string, nDims: number, outType: ConvertOutType): number {
  if (nDims <= 1 || name.endsWith("_norm.weight") || name.includes("ffn_gate_inp.") || name.startsWith("position_embd.")) return GgmlType.F32;
  return convertOutTypeIds[outType];
}

/** Heads to permute a Q or K tensor by: HF stores NeoX (rotate-half) rows; a "normal"-layout GGUF wants them interleaved. */
function ropePermuteHeads(arch: ArchSpec, config: ModelConfig, name: string): number {
  if (arch.ggufRopeLayout !== "normal" || config.ropeLayout !== "neox") return 0;
  return /\.attn_q\./.test(name) ? config.nHeads : /\.attn_k\./.test(name) ? config.nKvHeads : 0;
}

function planTensor(hf: HfModelDir, arch: ArchSpec, config: ModelConfig, name: string, info: HfTensorInfo, outType: ConvertOutType): GgufWriteTensor {
  const transposed = info.shape.length === 2 && (arch.hfTransposed?.(info.name) ?? false);
  // GGUF ne order: the reversed HF shape, or the HF shape itself for a matrix stored transposed.
  const shape = transposed ? [...info.shape] : [...info.shape].reverse();
  const cols = shape.length >= 2 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
  const type = outTypeFor(name, info.shape.length, outType);
  const permuteHeads = ropePermuteHeads(arch, config, name);
  const adjust = arch.hfAdjustment?.(name);
  const sameType = (info.dtype === "F32" && type === GgmlType.F32) || (info.dtype === "F16" && type === GgmlType.F16) || (info.dtype === "BF16" && type === GgmlType.BF16);
  const data = (): Uint8Array => {
    const stored = hf.readTensorBytes(info);
    const bytes = transposed ? transposeBytes(stored, info.shape[0]!, info.shape[1]!) : stored;
    if (sameType && !permuteHeads && !adjust) return bytes;
    let values = decodeTensor(info.file, info.name, info.dtype, bytes);
    if (permuteHeads) values = permuteRopeRows(values, permuteHeads, cols);
    adjust?.(values);
    return encodeTensor(values, type);
  };
  return { name, type, shape, data };
}

/** Stacks the experts of one projection into [nExperts, rows, cols] (GGUF ne: [cols, rows, nExperts]). */
function planExperts(hf: HfModelDir, name: string, list: HfTensorInfo[], outType: ConvertOutType): GgufWriteTensor {
  const first = list[0];
  for (let e = 0; e < list.length; e++) {
    const info = list[e];
    if (!info || !first || info.shape.join() !== first.shape.join()) {
      throw new FormatError(first?.file ?? name, `${name}: expert ${e} is missing or differs in shape from expert 0`);
    }
  }
  const type = outTypeFor(name, 3, outType);
  const data = (): Uint8Array => {
    const parts = list.map((info) => decodeTensor(info.file, info.name, info.dtype, hf.readTensorBytes(info)));
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return encodeTensor(all, type);
  };
  return { name, type, shape: [...first!.shape].reverse().concat(list.length), data };
}
