import { FormatError } from "../errors.js";
import { isRecord } from "./is-record.js";

/** RoPE frequency scaling, camel-cased from transformers' rope parameters; `ropeType` e.g. "linear", "llama3", "yarn". */
export interface HfRopeScaling {
  ropeType: string;
  factor?: number;
  lowFreqFactor?: number;
  highFreqFactor?: number;
  originalMaxPositionEmbeddings?: number;
  attentionFactor?: number;
  betaFast?: number;
  betaSlow?: number;
  shortFactor?: number[];
  longFactor?: number[];
  mropeSection?: number[];
  /** Every field as the config wrote it, for types not covered above. */
  raw: Record<string, unknown>;
}

export interface HfRopeParams {
  ropeTheta: number;
  /** Absent for plain ("default") RoPE. */
  ropeScaling?: HfRopeScaling;
  /** Fraction of head_dim that is rotated (Phi-3, GPT-NeoX style partial rotary), when the config sets one. */
  partialRotaryFactor?: number;
  /** Per layer type (e.g. Gemma 3's "full_attention" / "sliding_attention"), when they differ. */
  perLayerType?: Record<string, HfRopeParams>;
}

// transformers' default when a config names no theta (PretrainedConfig rope_theta default).
const defaultRopeTheta = 10000;

/**
 * One shape for both config styles: transformers 5 `rope_parameters` (flat, or keyed by layer type) and the older
 * top-level `rope_theta` + `rope_scaling` (+ Gemma 3's `rope_local_base_freq` for sliding layers).
 */
export function hfRopeParams(config: Record<string, unknown>, file = "config.json"): HfRopeParams {
  const partial = optionalNumber(config, "partial_rotary_factor", file);
  const params = config.rope_parameters;
  if (isRecord(params)) {
    const entries = Object.entries(params);
    if (entries.length > 0 && entries.every(([, v]) => isRecord(v))) {
      const perLayerType: Record<string, HfRopeParams> = {};
      for (const [layerType, v] of entries) perLayerType[layerType] = fromFlat(v as Record<string, unknown>, partial, file);
      const main = perLayerType.full_attention ?? perLayerType[entries[0]![0]]!;
      return { ...main, perLayerType };
    }
    return fromFlat(params, partial, file);
  }
  const scaling = isRecord(config.rope_scaling) ? config.rope_scaling : {};
  const global = fromFlat({ ...scaling, rope_theta: config.rope_theta }, partial, file);
  const localTheta = optionalNumber(config, "rope_local_base_freq", file);
  if (localTheta === undefined) return global;
  // Gemma 3: sliding-window layers use the local base frequency and no scaling.
  const local: HfRopeParams = { ropeTheta: localTheta };
  if (partial !== undefined) local.partialRotaryFactor = partial;
  return { ...global, perLayerType: { full_attention: global, sliding_attention: local } };
}

function fromFlat(p: Record<string, unknown>, partialFallback: number | undefined, file: string): HfRopeParams {
  const result: HfRopeParams = { ropeTheta: optionalNumber(p, "rope_theta", file) ?? defaultRopeTheta };
  const partial = optionalNumber(p, "partial_rotary_factor", file) ?? partialFallback;
  if (partial !== undefined) result.partialRotaryFactor = partial;
  const ropeType = p.rope_type ?? p.type;
  if (typeof ropeType === "string" && ropeType !== "default") {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) if (k !== "rope_theta" && v !== undefined) raw[k] = v;
    const scaling: HfRopeScaling = { ropeType, raw };
    setNumber(scaling, "factor", p, "factor", file);
    setNumber(scaling, "lowFreqFactor", p, "low_freq_factor", file);
    setNumber(scaling, "highFreqFactor", p, "high_freq_factor", file);
    setNumber(scaling, "originalMaxPositionEmbeddings", p, "original_max_position_embeddings", file);
    setNumber(scaling, "attentionFactor", p, "attention_factor", file);
    setNumber(scaling, "betaFast", p, "beta_fast", file);
    setNumber(scaling, "betaSlow", p, "beta_slow", file);
    setNumbers(scaling, "shortFactor", p, "short_factor", file);
    setNumbers(scaling, "longFactor", p, "long_factor", file);
    setNumbers(scaling, "mropeSection", p, "mrope_section", file);
    result.ropeScaling = scaling;
  }
  return result;
}

function optionalNumber(obj: Record<string, unknown>, key: string, file: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError(file, `${key} is ${JSON.stringify(v)}, expected a number`);
  return v;
}

type NumberKey = "factor" | "lowFreqFactor" | "highFreqFactor" | "originalMaxPositionEmbeddings" | "attentionFactor" | "betaFast" | "betaSlow";
type NumbersKey = "shortFactor" | "longFactor" | "mropeSection";

function setNumber(target: HfRopeScaling, to: NumberKey, obj: Record<string, unknown>, key: string, file: string): void {
  const v = optionalNumber(obj, key, file);
  if (v !== undefined) target[to] = v;
}

function setNumbers(target: HfRopeScaling, to: NumbersKey, obj: Record<string, unknown>, key: string, file: string): void {
  const v = obj[key];
  if (v === undefined || v === null) return;
  if (!Array.isArray(v) || !v.every((x): x is number => typeof x === "number")) {
    throw new FormatError(file, `${key} is ${JSON.stringify(v)}, expected a list of numbers`);
  }
  target[to] = v;
}
