import { basename } from "node:path";
import { ggmlTypeName } from "../quant/ggml-type.js";
import type { GgufValue } from "./gguf-value-type.js";
import { summarizeModel } from "./model-summary.js";
import type { ModelSummary } from "./model-summary.js";
import type { ModelFile } from "./open-model-file.js";

export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ModelJsonTensor {
  name: string;
  /** ggml type name for GGUF, safetensors dtype for HF. */
  type: string;
  /** As stored: GGUF ne order (contiguous first), safetensors row-major (contiguous last). */
  shape: number[];
  /** The safetensors file (its name in the directory); absent for GGUF. */
  file?: string;
  offset: number;
  sizeBytes: number;
}

export interface ModelJson {
  format: "gguf" | "safetensors";
  summary: ModelSummary;
  /** GGUF key/values in file order; for HF directories {config, generation_config?, tokenizer_config?, safetensors}. */
  metadata: Record<string, JsonValue>;
  tensors: ModelJsonTensor[];
}

/** GGUF values as JSON: 64-bit integers past 2^53 become decimal strings; NaN and infinities become strings. */
export function ggufValueToJson(value: GgufValue): JsonValue {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(ggufValueToJson);
  return value;
}

/** The whole header of a model file as plain JSON (what `tsinfer inspect --json` prints). */
export function modelToJson(model: ModelFile): ModelJson {
  const summary = summarizeModel(model);
  if (model.kind === "gguf") {
    const metadata: Record<string, JsonValue> = {};
    for (const kv of model.gguf.kvs) metadata[kv.key] = ggufValueToJson(kv.value);
    const tensors = model.gguf.tensors.map((t) => ({
      name: t.name,
      type: ggmlTypeName(t.type) ?? String(t.type),
      shape: t.shape,
      offset: t.offset,
      sizeBytes: t.sizeBytes,
    }));
    return { format: "gguf", summary, metadata, tensors };
  }
  const hf = model.hf;
  const metadata: Record<string, JsonValue> = { config: hf.config as JsonValue };
  if (hf.generationConfig) metadata.generation_config = hf.generationConfig as JsonValue;
  if (hf.tokenizerConfig) metadata.tokenizer_config = hf.tokenizerConfig as JsonValue;
  metadata.safetensors = Object.fromEntries(hf.files.map((f) => [basename(f.path), f.metadata]));
  const tensors = hf.tensors.map((t) => ({
    name: t.name,
    type: t.dtype,
    shape: t.shape,
    file: basename(t.file),
    offset: t.offset,
    sizeBytes: t.sizeBytes,
  }));
  return { format: "safetensors", summary, metadata, tensors };
}
