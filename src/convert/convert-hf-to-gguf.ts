import { basename, join, resolve } from "node:path";
import { FormatError } from "../errors.js";
import { openHfDir } from "../formats/open-hf-dir.js";
import type { HfModelDir } from "../formats/open-hf-dir.js";
import type { HfTensorInfo } from "../formats/open-safetensors.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import type { GgufKv } from "../formats/gguf-value-type.js";
import { ggufKv, writeGguf } from "../formats/write-gguf.js";
import type { GgufWriteTensor } from "../formats/write-gguf.js";
import { GgmlType } from "../quant/ggml-type.js";
import type { ConvertArch, ConvertDims } from "./convert-arch.js";
import { convertArchFor } from "./convert-archs.js";
import { buildVocabKvs } from "./gguf-vocab.js";
import { HfConfigReader } from "./hf-config-reader.js";
import { mapHfTensorName } from "./hf-tensor-name.js";
import { convertFileTypes, convertOutTypeIds, decodeTensor, encodeTensor, permuteRopeRows, transpose } from "./tensor-values.js";
import type { ConvertOutType } from "./tensor-values.js";

export interface ConvertOptions {
  outType: ConvertOutType;
  /** Called after each tensor is written. */
  onTensor?: (done: number, total: number) => void;
}

export interface ConvertResult {
  arch: string;
  nTensors: number;
  vocab: "sentencepiece" | "tokenizer.json" | "placeholder";
}

/**
 * Converts a Hugging Face model directory to a GGUF file the way llama.cpp's convert_hf_to_gguf.py does:
 * GGUF tensor names, Q/K rows permuted for llama-arch RoPE, 1-D tensors (norms, biases) and routers in F32,
 * matrices in the requested type, MoE experts stacked per layer, and the metadata keys llama.cpp reads.
 */
export function convertHfToGguf(dir: string, outPath: string, opts: ConvertOptions): ConvertResult {
  const hf = openHfDir(dir);
  try {
    const config = new HfConfigReader(join(dir, "config.json"), hf.config);
    const arch = convertArchFor(config.file, config.string("model_type"));
    const dims = arch.dims(config);
    const tensors = planTensors(hf, arch, config, dims, opts);
    const vocab = buildVocabKvs({
      dir,
      vocabSize: dims.vocabSize,
      bosId: config.optNumber("bos_token_id"),
      eosId: firstId(hf.config.eos_token_id),
      tokenizerJson: hf.tokenizerJson,
      ...unkTokenOf(hf.tokenizerConfig),
    });
    const kvs: GgufKv[] = [
      ggufKv("general.architecture", arch.ggufArch),
      ggufKv("general.type", "model"),
      ggufKv("general.name", basename(resolve(dir))),
      ...arch.kvs(config, dims).map((kv) => archKv(arch.ggufArch, kv.key, kv.value, kv.float)),
      ggufKv("general.file_type", convertFileTypes[opts.outType], GgufValueType.UINT32),
      ...vocab.kvs,
      ggufKv("general.quantization_version", 2, GgufValueType.UINT32),
    ];
    let done = 0;
    const withProgress = tensors.map((t) => ({
      ...t,
      data: () => {
        const bytes = typeof t.data === "function" ? t.data() : t.data;
        opts.onTensor?.(++done, tensors.length);
        return bytes;
      },
    }));
    writeGguf(outPath, kvs, withProgress);
    return { arch: arch.ggufArch, nTensors: tensors.length, vocab: vocab.kind };
  } finally {
    hf.close();
  }
}

function archKv(arch: string, key: string, value: GgufKv["value"], float?: boolean): GgufKv {
  const full = `${arch}.${key}`;
  if (typeof value === "number") return ggufKv(full, value, float || !Number.isInteger(value) ? GgufValueType.FLOAT32 : GgufValueType.UINT32);
  if (Array.isArray(value) && typeof value[0] === "boolean") return ggufKv(full, value, GgufValueType.ARRAY, GgufValueType.BOOL);
  return ggufKv(full, value);
}

/** tokenizer_config.json's unk_token: a string or an AddedToken object {content}. */
function unkTokenOf(config: Record<string, unknown> | undefined): { unkToken?: string } {
  const v = config?.unk_token;
  if (typeof v === "string") return { unkToken: v };
  const content = (v as { content?: unknown } | null | undefined)?.content;
  return typeof content === "string" ? { unkToken: content } : {};
}

function firstId(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (Array.isArray(v) && typeof v[0] === "number") return v[0];
  return undefined;
}

function planTensors(hf: HfModelDir, arch: ConvertArch, config: HfConfigReader, dims: ConvertDims, opts: ConvertOptions): GgufWriteTensor[] {
  const out: GgufWriteTensor[] = [];
  for (const extra of arch.extraTensors?.(config, dims) ?? []) {
    out.push({ name: extra.name, type: GgmlType.F32, shape: extra.shape, data: encodeTensor(extra.values, GgmlType.F32) });
  }
  const tied = config.optBool("tie_word_embeddings") ?? false;
  const experts = new Map<string, HfTensorInfo[]>();
  for (const info of hf.tensors) {
    const mapped = mapHfTensorName(arch, info.name);
    if (mapped === undefined) throw new FormatError(info.file, `tensor ${info.name} has no GGUF name for model_type ${config.string("model_type")}`);
    if (mapped.kind === "skip") continue;
    if (mapped.kind === "expert") {
      const list = experts.get(mapped.name) ?? [];
      if (list.length === 0) {
        experts.set(mapped.name, list);
        out.push({ name: mapped.name, type: 0, shape: [], data: new Uint8Array(0) }); // filled below, keeps file order
      }
      list[mapped.expert] = info;
      continue;
    }
    if (mapped.name === "output.weight" && tied) continue;
    out.push(planTensor(hf, arch, dims, mapped.name, info, opts.outType));
  }
  for (const [name, list] of experts) {
    const at = out.findIndex((t) => t.name === name);
    out[at] = planExperts(hf, name, list, opts.outType);
  }
  return out;
}

/** convert_hf_to_gguf.py keeps 1-D tensors, norms, MoE routers and position embeddings in F32. */
function outTypeFor(name: string, nDims: number, outType: ConvertOutType): number {
  if (nDims <= 1 || name.endsWith("_norm.weight") || name.includes("ffn_gate_inp.") || name.startsWith("position_embd.")) return GgmlType.F32;
  return convertOutTypeIds[outType];
}

function planTensor(hf: HfModelDir, arch: ConvertArch, dims: ConvertDims, name: string, info: HfTensorInfo, outType: ConvertOutType): GgufWriteTensor {
  let rows = info.shape[0] ?? 1;
  let cols = info.shape.length >= 2 ? info.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
  const conv1d = arch.conv1d === true && info.shape.length === 2 && name.endsWith(".weight") && /\.(attn_qkv|attn_output|ffn_up|ffn_down)\./.test(name);
  if (conv1d) [rows, cols] = [cols, rows];
  const shape = conv1d ? [cols, rows] : [...info.shape].reverse();
  const type = outTypeFor(name, info.shape.length, outType);
  const permuteHeads = arch.permuteQK ? (/\.attn_q\./.test(name) ? dims.nHeads : /\.attn_k\./.test(name) ? dims.nKvHeads : 0) : 0;
  const addOne = arch.normAddOne === true && name.endsWith("norm.weight");
  const sameType = (info.dtype === "F32" && type === GgmlType.F32) || (info.dtype === "F16" && type === GgmlType.F16) || (info.dtype === "BF16" && type === GgmlType.BF16);
  const data = (): Uint8Array => {
    const bytes = hf.readTensorBytes(info);
    if (sameType && !conv1d && !permuteHeads && !addOne) return bytes;
    let values = decodeTensor(info.file, info.name, info.dtype, bytes);
    if (conv1d) values = transpose(values, cols, rows);
    if (permuteHeads) values = permuteRopeRows(values, permuteHeads, info.shape.length >= 2 ? cols : 1);
    if (addOne) for (let i = 0; i < values.length; i++) values[i] = values[i]! + 1;
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
