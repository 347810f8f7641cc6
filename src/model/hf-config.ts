import { FormatError } from "../errors.js";
import { hfRopeParams, type HfRopeParams } from "../formats/hf-rope-params.js";
import { noRopeScaling, type ModelConfigInput, type RopeScaling } from "./config.js";
import { checkedCount, configLimits } from "./config-limits.js";

/**
 * A Hugging Face config.json as parsed. Read only through the helpers below, whose FormatErrors name "config.json"
 * (configErrorsIn puts the real path there): the loader and `tsinfer convert` share them through the arch files.
 */
export type HfConfig = Record<string, unknown>;

/** A number from config.json: the first of `keys` present (null counts as absent), else undefined. */
export function hfOptNumber(cfg: HfConfig, keys: string | readonly string[]): number | undefined {
  for (const key of typeof keys === "string" ? [keys] : keys) {
    const v = cfg[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError("config.json", `${key} is ${JSON.stringify(v)}, expected a number`);
    return v;
  }
  return undefined;
}

/** A number from config.json: the first of `keys` present, else `fallback`, else a FormatError. */
export function hfNumber(cfg: HfConfig, keys: string | readonly string[], fallback?: number): number {
  const v = hfOptNumber(cfg, keys) ?? fallback;
  if (v === undefined) throw new FormatError("config.json", `missing ${typeof keys === "string" ? keys : keys.join(" / ")}`);
  return v;
}

export function hfBool(cfg: HfConfig, key: string, fallback: boolean): boolean {
  const v = cfg[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw new FormatError("config.json", `${key} is ${JSON.stringify(v)}, expected true or false`);
  return v;
}

export function ropeScalingFromHf(p: HfRopeParams): RopeScaling {
  const s = p.ropeScaling;
  if (!s) return noRopeScaling;
  if (s.ropeType === "linear") return { ...noRopeScaling, type: "linear", factor: s.factor ?? 1 };
  if (s.ropeType === "llama3") {
    return {
      type: "llama3", factor: s.factor ?? 8, lowFreqFactor: s.lowFreqFactor ?? 1, highFreqFactor: s.highFreqFactor ?? 4,
      originalCtxLen: s.originalMaxPositionEmbeddings ?? 8192,
    };
  }
  throw new FormatError("config.json", `rope_type ${JSON.stringify(s.ropeType)} is not supported (default, linear, llama3)`);
}

/**
 * Which layers use sliding-window attention: from layer_types (recent transformers); else, for configs written
 * before it, every `period`-th layer is global (Gemma 2: 2, Gemma 3: sliding_window_pattern) or, with no period,
 * every layer slides when a window is set.
 */
export function hfSlidingLayers(cfg: HfConfig, nLayers: number, window: number, period = 0): boolean[] {
  checkedCount("config.json", "num_hidden_layers", nLayers, configLimits.nLayers);
  const types = cfg.layer_types;
  if (Array.isArray(types)) {
    if (types.length !== nLayers) throw new FormatError("config.json", `layer_types has ${types.length} entries for ${nLayers} layers`);
    return types.map((t) => t === "sliding_attention" && window > 0);
  }
  if (period > 0) return Array.from({ length: nLayers }, (_, il) => window > 0 && (il + 1) % period !== 0);
  return new Array<boolean>(nLayers).fill(window > 0);
}

/** The keys Llama-style configs share (LlamaConfig and its descendants). */
export function hfCommonConfig(cfg: HfConfig, arch: string): ModelConfigInput {
  // Counts are bounded before anything is sized by them (hfSlidingLayers below).
  const hiddenSize = checkedCount("config.json", "hidden_size", hfNumber(cfg, ["hidden_size", "n_embd"]), configLimits.hiddenSize);
  const nHeads = checkedCount("config.json", "num_attention_heads", hfNumber(cfg, ["num_attention_heads", "n_head"]), configLimits.nHeads);
  const nLayers = checkedCount("config.json", "num_hidden_layers", hfNumber(cfg, ["num_hidden_layers", "n_layer"]), configLimits.nLayers);
  const headDim = hfNumber(cfg, "head_dim", hiddenSize / nHeads);
  const rope = hfRopeParams(cfg);
  const slidingWindow = hfNumber(cfg, "sliding_window", 0);
  const localTheta = rope.perLayerType?.sliding_attention?.ropeTheta ?? 0;
  return {
    arch,
    vocabSize: hfNumber(cfg, "vocab_size"),
    hiddenSize,
    nLayers,
    nHeads,
    nKvHeads: hfNumber(cfg, "num_key_value_heads", nHeads),
    headDim,
    ffnSize: hfNumber(cfg, ["intermediate_size", "n_inner"], 4 * hiddenSize),
    ctxLen: hfNumber(cfg, ["max_position_embeddings", "n_positions"]),
    normEps: hfNumber(cfg, ["rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps"], 1e-5),
    ropeTheta: rope.ropeTheta,
    ropeThetaLocal: localTheta !== rope.ropeTheta ? localTheta : 0,
    ropeScaling: ropeScalingFromHf(rope),
    nRot: 2 * Math.floor((headDim * (rope.partialRotaryFactor ?? 1)) / 2),
    slidingWindow,
    slidingLayers: hfSlidingLayers(cfg, nLayers, slidingWindow),
    tiedEmbeddings: hfBool(cfg, "tie_word_embeddings", false),
    ropeLayout: "neox",
  };
}
