import { FormatError } from "../errors.js";
import { ggufKv } from "../formats/gguf-kv.js";
import { GgufValueType, type GgufKv } from "../formats/gguf-value-type.js";
import type { GgufValue } from "../formats/gguf-value-type.js";
import { noRopeScaling, type ModelConfig, type ModelConfigInput, type RopeScaling } from "./config.js";
import { checkedCount, configLimits } from "./config-limits.js";
import { hfOptNumber, type HfConfig } from "./hf-config.js";

/** The metadata getters of an open GGUF file (GgufFile satisfies it). */
export interface GgufMetadata {
  readonly path: string;
  getString(key: string): string | undefined;
  getNumber(key: string): number | undefined;
  getBool(key: string): boolean | undefined;
  getArray(key: string): GgufValue[] | undefined;
}

export function ggufRequired(meta: GgufMetadata, key: string): number {
  const v = meta.getNumber(key);
  if (v === undefined) throw new FormatError(meta.path, `metadata key ${key} is missing`);
  return v;
}

/**
 * The keys every llama.cpp architecture shares (llama-arch.cpp LLM_KV_NAMES, prefixed by general.architecture).
 * `vocabSize` comes from the vocabulary when <arch>.vocab_size is absent.
 */
export function ggufCommonConfig(meta: GgufMetadata, prefix: string, arch: string, vocabFallback: number): ModelConfigInput {
  const p = `${prefix}.`;
  // Counts are bounded here, under their GGUF key names, before anything is sized by them (slidingLayers below).
  const count = (key: string, value: number, limit: number, min = 1): number => checkedCount(meta.path, `metadata key ${p}${key}`, value, limit, min);
  const hiddenSize = count("embedding_length", ggufRequired(meta, `${p}embedding_length`), configLimits.hiddenSize);
  const nHeads = count("attention.head_count", ggufRequired(meta, `${p}attention.head_count`), configLimits.nHeads);
  const nLayers = count("block_count", ggufRequired(meta, `${p}block_count`), configLimits.nLayers);
  const headDim = meta.getNumber(`${p}attention.key_length`) ?? hiddenSize / nHeads;
  const slidingWindow = count("attention.sliding_window", meta.getNumber(`${p}attention.sliding_window`) ?? 0, configLimits.slidingWindow, 0);
  const nExperts = count("expert_count", meta.getNumber(`${p}expert_count`) ?? 0, configLimits.nExperts, 0);
  return {
    arch,
    vocabSize: meta.getNumber(`${p}vocab_size`) ?? meta.getArray("tokenizer.ggml.tokens")?.length ?? vocabFallback,
    hiddenSize,
    nLayers,
    nHeads,
    nKvHeads: count("attention.head_count_kv", meta.getNumber(`${p}attention.head_count_kv`) ?? nHeads, configLimits.nKvHeads),
    headDim,
    ffnSize: meta.getNumber(`${p}feed_forward_length`) ?? 0,
    ctxLen: count("context_length", ggufRequired(meta, `${p}context_length`), configLimits.ctxLen),
    normEps: meta.getNumber(`${p}attention.layer_norm_rms_epsilon`) ?? meta.getNumber(`${p}attention.layer_norm_epsilon`) ?? 1e-5,
    ropeTheta: meta.getNumber(`${p}rope.freq_base`) ?? 10000,
    ropeScaling: ggufRopeScaling(meta, p),
    nRot: meta.getNumber(`${p}rope.dimension_count`) ?? headDim,
    slidingWindow,
    slidingLayers: new Array<boolean>(nLayers).fill(slidingWindow > 0),
    attnSoftcap: meta.getNumber(`${p}attn_logit_softcapping`) ?? 0,
    finalSoftcap: meta.getNumber(`${p}final_logit_softcapping`) ?? 0,
    nExperts,
    nExpertsUsed: nExperts > 0 ? meta.getNumber(`${p}expert_used_count`) ?? 0 : 0,
    expertFfnSize: nExperts > 0 ? meta.getNumber(`${p}expert_feed_forward_length`) ?? meta.getNumber(`${p}feed_forward_length`) ?? 0 : 0,
    tiedEmbeddings: false,
  };
}

function ggufRopeScaling(meta: GgufMetadata, p: string): RopeScaling {
  const type = meta.getString(`${p}rope.scaling.type`);
  if (type === undefined || type === "none") return noRopeScaling;
  if (type === "linear") return { ...noRopeScaling, type: "linear", factor: meta.getNumber(`${p}rope.scaling.factor`) ?? 1 };
  throw new FormatError(meta.path, `${p}rope.scaling.type = ${type} is not supported (none, linear; Llama 3 scaling comes as rope_freqs)`);
}

const u32 = GgufValueType.UINT32;
const f32 = GgufValueType.FLOAT32;

/**
 * The keys convert_hf_to_gguf.py's TextModel.set_gguf_parameters writes for every decoder, in its order (the
 * inverse of ggufCommonConfig); key_length/value_length only where config.json sets head_dim, as llama.cpp does.
 */
export function decoderGgufKvs(c: ModelConfig, hf: HfConfig, prefix: string): GgufKv[] {
  const p = `${prefix}.`;
  const kvs: GgufKv[] = [
    ggufKv(`${p}context_length`, c.ctxLen, u32),
    ggufKv(`${p}embedding_length`, c.hiddenSize, u32),
    ggufKv(`${p}block_count`, c.nLayers, u32),
    ggufKv(`${p}feed_forward_length`, c.ffnSize, u32),
    ggufKv(`${p}attention.head_count`, c.nHeads, u32),
    ggufKv(`${p}attention.head_count_kv`, c.nKvHeads, u32),
    ggufKv(c.normKind === "rms" ? `${p}attention.layer_norm_rms_epsilon` : `${p}attention.layer_norm_epsilon`, c.normEps, f32),
    ggufKv(`${p}rope.freq_base`, c.ropeTheta, f32),
  ];
  // Linear scaling is metadata (LlamaModel.set_gguf_parameters); Llama 3 scaling is the rope_freqs tensor.
  if (c.ropeScaling.type === "linear") {
    kvs.push(ggufKv(`${p}rope.scaling.type`, "linear"), ggufKv(`${p}rope.scaling.factor`, c.ropeScaling.factor, f32));
  }
  kvs.push(ggufKv(`${p}vocab_size`, c.vocabSize, u32));
  if (hfOptNumber(hf, "head_dim") !== undefined) {
    kvs.push(ggufKv(`${p}attention.key_length`, c.headDim, u32), ggufKv(`${p}attention.value_length`, c.headDim, u32));
  }
  return kvs;
}

/** Mixture-of-experts counts (llama.cpp's expert_count, expert_used_count). */
export function expertGgufKvs(c: ModelConfig, prefix: string): GgufKv[] {
  return [ggufKv(`${prefix}.expert_count`, c.nExperts, u32), ggufKv(`${prefix}.expert_used_count`, c.nExpertsUsed, u32)];
}

/** The sliding-window size, when the model has one. */
export function slidingWindowKvs(c: ModelConfig, prefix: string): GgufKv[] {
  return c.slidingWindow > 0 ? [ggufKv(`${prefix}.attention.sliding_window`, c.slidingWindow, u32)] : [];
}

/**
 * Sliding-window layers from <arch>.attention.sliding_window_pattern (a per-layer bool array, or a period n where
 * every n-th layer is global) or the arch's fixed period (llama.cpp set_swa_pattern: layer il slides iff il % n < n-1).
 */
export function ggufSlidingLayers(meta: GgufMetadata, prefix: string, nLayers: number, defaultPeriod: number): boolean[] {
  const key = `${prefix}.attention.sliding_window_pattern`;
  const arr = meta.getArray(key);
  if (arr) {
    if (arr.length !== nLayers || !arr.every((v) => typeof v === "boolean")) throw new FormatError(meta.path, `${key} must hold ${nLayers} booleans`);
    return arr as boolean[];
  }
  const period = checkedCount(meta.path, `metadata key ${key}`, meta.getNumber(key) ?? defaultPeriod, configLimits.nLayers);
  checkedCount(meta.path, "layer count", nLayers, configLimits.nLayers);
  return Array.from({ length: nLayers }, (_, il) => il % period < period - 1);
}

/**
 * The per-layer sliding pattern (an array of bools, llama.cpp's swa_layers form), written as llama.cpp's converter
 * does only when config.json lists layer_types; without them llama.cpp applies the arch's fixed period.
 */
export function slidingLayersKvs(c: ModelConfig, hf: HfConfig, prefix: string): GgufKv[] {
  if (!Array.isArray(hf.layer_types)) return [];
  return [ggufKv(`${prefix}.attention.sliding_window_pattern`, [...c.slidingLayers], GgufValueType.ARRAY, GgufValueType.BOOL)];
}
