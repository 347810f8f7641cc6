import { ggmlTypeName } from "../quant/ggml-type.js";
import type { GgufFile } from "./gguf-file.js";
import type { GgufValue } from "./gguf-value-type.js";
import type { HfModelDir } from "./open-hf-dir.js";
import type { ModelFile } from "./open-model-file.js";
import { hfRopeParams } from "./hf-rope-params.js";
import type { HfRopeParams } from "./hf-rope-params.js";
import { isRecord } from "./is-record.js";

/** The headline facts of a model file, as `tsinfer inspect` shows them. Absent fields: the file does not say. */
export interface ModelSummary {
  format: "gguf" | "safetensors";
  /** GGUF version; undefined for safetensors. */
  version?: number;
  architecture?: string;
  name?: string;
  paramCount: number;
  /** Bytes on disk: the GGUF file, or all safetensors files of a directory. */
  fileSizeBytes: number;
  tensorBytes: number;
  bitsPerWeight: number;
  ctxLen?: number;
  nLayers?: number;
  nHeads?: number;
  nKvHeads?: number;
  hiddenSize?: number;
  ffnSize?: number;
  vocabSize?: number;
  ropeTheta?: number;
  /** Sliding-window layers' theta, when it differs (Gemma 3). */
  ropeThetaSliding?: number;
  /** The RoPE scaling type ("linear", "yarn", "llama3"…) and factor, when there is one. */
  ropeScaling?: { type: string; factor?: number };
  /** GGUF tokenizer.ggml.model (+ "/" pre-tokenizer), or tokenizer.json's model.type. */
  tokenizerKind?: string;
  /** Tensor count per type name ("F16", "Q4_K", "BF16"…). */
  tensorTypes: Record<string, number>;
  tensorCount: number;
}

export function summarizeModel(model: ModelFile): ModelSummary {
  return model.kind === "gguf" ? summarizeGguf(model.gguf) : summarizeHf(model.hf);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function countTypes(names: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
  return counts;
}

/** A per-model number that some architectures store per layer (an array): the largest. */
function headlineNumber(value: GgufValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "number")) return Math.max(...(value as number[]));
  return undefined;
}

function summarizeGguf(gguf: GgufFile): ModelSummary {
  const arch = gguf.getString("general.architecture");
  const archKey = (key: string): number | undefined => (arch ? headlineNumber(gguf.metadata.get(`${arch}.${key}`)) : undefined);
  const paramCount = gguf.tensors.reduce((n, t) => n + elementCount(t.shape), 0);
  const tensorBytes = gguf.tensors.reduce((n, t) => n + t.sizeBytes, 0);
  const tokens = gguf.metadata.get("tokenizer.ggml.tokens");
  const model = gguf.metadata.get("tokenizer.ggml.model");
  const pre = gguf.metadata.get("tokenizer.ggml.pre");
  return {
    format: "gguf",
    version: gguf.version,
    architecture: arch,
    name: typeof gguf.metadata.get("general.name") === "string" ? (gguf.metadata.get("general.name") as string) : undefined,
    paramCount,
    fileSizeBytes: gguf.fileSizeBytes,
    tensorBytes,
    bitsPerWeight: paramCount > 0 ? (tensorBytes * 8) / paramCount : 0,
    ctxLen: archKey("context_length"),
    nLayers: archKey("block_count"),
    nHeads: archKey("attention.head_count"),
    nKvHeads: archKey("attention.head_count_kv") ?? archKey("attention.head_count"),
    hiddenSize: archKey("embedding_length"),
    ffnSize: archKey("feed_forward_length"),
    vocabSize: Array.isArray(tokens) ? tokens.length : archKey("vocab_size"),
    ropeTheta: archKey("rope.freq_base"),
    ropeScaling: ggufRopeScaling(gguf, arch),
    tokenizerKind: typeof model === "string" ? (typeof pre === "string" ? `${model}/${pre}` : model) : undefined,
    tensorTypes: countTypes(gguf.tensors.map((t) => ggmlTypeName(t.type) ?? String(t.type))),
    tensorCount: gguf.tensors.length,
  };
}

function summarizeHf(hf: HfModelDir): ModelSummary {
  // Multimodal configs nest the language model's fields in text_config.
  const c = isRecord(hf.config.text_config) ? { ...hf.config, ...hf.config.text_config } : hf.config;
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) if (typeof c[k] === "number") return c[k];
    return undefined;
  };
  const architectures = hf.config.architectures;
  const architecture =
    Array.isArray(architectures) && typeof architectures[0] === "string"
      ? architectures[0]
      : typeof hf.config.model_type === "string"
        ? hf.config.model_type
        : undefined;
  const paramCount = hf.tensors.reduce((n, t) => n + elementCount(t.shape), 0);
  const tensorBytes = hf.tensors.reduce((n, t) => n + t.sizeBytes, 0);
  const tokenizer = hf.tokenizerJson;
  const tokenizerModel = isRecord(tokenizer) && isRecord(tokenizer.model) ? tokenizer.model.type : undefined;
  const nHeads = num("num_attention_heads", "n_head", "num_heads");
  return {
    format: "safetensors",
    architecture,
    name: typeof hf.config._name_or_path === "string" ? hf.config._name_or_path : undefined,
    paramCount,
    fileSizeBytes: hf.files.reduce((n, f) => n + f.fileSizeBytes, 0),
    tensorBytes,
    bitsPerWeight: paramCount > 0 ? (tensorBytes * 8) / paramCount : 0,
    ctxLen: num("max_position_embeddings", "n_positions", "n_ctx", "seq_length"),
    nLayers: num("num_hidden_layers", "n_layer", "num_layers"),
    nHeads,
    nKvHeads: num("num_key_value_heads", "multi_query_group_num") ?? nHeads,
    hiddenSize: num("hidden_size", "n_embd", "d_model"),
    ffnSize: num("intermediate_size", "n_inner", "ffn_dim"),
    vocabSize: num("vocab_size"),
    ...hfRope(c),
    tokenizerKind: typeof tokenizerModel === "string" ? tokenizerModel : undefined,
    tensorTypes: countTypes(hf.tensors.map((t) => t.dtype)),
    tensorCount: hf.tensors.length,
  };
}

function ggufRopeScaling(gguf: GgufFile, arch: string | undefined): ModelSummary["ropeScaling"] {
  const type = arch ? gguf.metadata.get(`${arch}.rope.scaling.type`) : undefined;
  if (typeof type !== "string" || type === "none") return undefined;
  const factor = headlineNumber(gguf.metadata.get(`${arch}.rope.scaling.factor`));
  return factor === undefined ? { type } : { type, factor };
}

/** RoPE facts of an HF config; a config whose rope fields do not parse shows none (the summary is informational). */
function hfRope(config: Record<string, unknown>): Pick<ModelSummary, "ropeTheta" | "ropeThetaSliding" | "ropeScaling"> {
  let rope: HfRopeParams;
  try {
    rope = hfRopeParams(config);
  } catch {
    return {};
  }
  if (config.rope_parameters === undefined && config.rope_theta === undefined) return {}; // e.g. GPT-2: no RoPE
  const sliding = rope.perLayerType?.sliding_attention?.ropeTheta;
  const result: Pick<ModelSummary, "ropeTheta" | "ropeThetaSliding" | "ropeScaling"> = { ropeTheta: rope.ropeTheta };
  if (sliding !== undefined && sliding !== rope.ropeTheta) result.ropeThetaSliding = sliding;
  const scaling = rope.ropeScaling;
  if (scaling) result.ropeScaling = scaling.factor === undefined ? { type: scaling.ropeType } : { type: scaling.ropeType, factor: scaling.factor };
  return result;
}
