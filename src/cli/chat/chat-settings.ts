import { InputError } from "../../errors.js";
import { defaultSamplingParams, resolveSamplingParams, type SamplingParams } from "../../sampling/sampling-params.js";

/** What `/set` changes: the sampling options of `tsinfer run` and its token limit. An unset seed is random per answer. */
export interface ChatSettings {
  sampling: Partial<SamplingParams>;
  maxTokens: number;
}

type SettingKey = Exclude<keyof SamplingParams, "logitBias"> | "maxTokens";

/** One row per setting: its /set name (ollama's spelling), the run flag that sets it at start, and its value kind. */
export interface ChatSettingRow {
  name: string;
  flag: string;
  key: SettingKey;
  integer: boolean;
  description: string;
}

export const chatSettingRows: readonly ChatSettingRow[] = [
  { name: "temperature", flag: "temp", key: "temperature", integer: false, description: "temperature (0 = greedy)" },
  { name: "top_k", flag: "top-k", key: "topK", integer: true, description: "keep the k most likely tokens (0 = off)" },
  { name: "top_p", flag: "top-p", key: "topP", integer: false, description: "nucleus sampling (1 = off)" },
  { name: "min_p", flag: "min-p", key: "minP", integer: false, description: "drop tokens below p × the top probability (0 = off)" },
  { name: "seed", flag: "seed", key: "seed", integer: true, description: "random seed (random = a new one per answer)" },
  { name: "max_tokens", flag: "max-tokens", key: "maxTokens", integer: true, description: "most tokens per answer" },
  { name: "repeat_penalty", flag: "repeat-penalty", key: "repeatPenalty", integer: false, description: "repetition penalty (1 = off)" },
  { name: "repeat_last_n", flag: "repeat-last-n", key: "repeatLastN", integer: true, description: "window of the repetition penalty (-1 = whole context)" },
  { name: "presence_penalty", flag: "presence-penalty", key: "presencePenalty", integer: false, description: "OpenAI presence penalty" },
  { name: "frequency_penalty", flag: "frequency-penalty", key: "frequencyPenalty", integer: false, description: "OpenAI frequency penalty" },
];

export function defaultChatSettings(): ChatSettings {
  return { sampling: { ...defaultSamplingParams }, maxTokens: 256 };
}

/**
 * Returns the settings with one value changed, or throws an InputError that names the setting and the value.
 * The range checks are the engine's own (resolveSamplingParams), so /set refuses what generate() would refuse.
 */
export function withSetting(settings: ChatSettings, name: string, value: string, vocabSize: number): ChatSettings {
  const row = chatSettingRows.find((r) => r.name === name || r.flag === name);
  if (row === undefined) throw new InputError(`unknown setting "${name}"; known: ${chatSettingRows.map((r) => r.name).join(", ")}`);
  if (row.key === "seed" && value === "random") {
    const sampling = { ...settings.sampling };
    delete sampling.seed;
    return { ...settings, sampling };
  }
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x)) throw new InputError(`${row.name} ${value}: expected a number`);
  if (row.integer && !Number.isSafeInteger(x)) throw new InputError(`${row.name} ${value}: expected an integer`);
  if (row.key === "maxTokens") {
    if (x < 1) throw new InputError(`${row.name} ${value}: expected an integer ≥ 1`);
    return { ...settings, maxTokens: x };
  }
  const sampling = { ...settings.sampling, [row.key]: x };
  try {
    resolveSamplingParams(sampling, vocabSize);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${row.name} ${value}: ${err.message}`);
    throw err;
  }
  return { ...settings, sampling };
}

export function settingValue(settings: ChatSettings, row: ChatSettingRow): string {
  const v = row.key === "maxTokens" ? settings.maxTokens : settings.sampling[row.key];
  return v === undefined ? "random" : String(v);
}

/** The `/set` listing: one aligned line per setting with its current value. */
export function formatChatSettings(settings: ChatSettings): string {
  const width = Math.max(...chatSettingRows.map((r) => r.name.length));
  return chatSettingRows.map((r) => `  ${r.name.padEnd(width)}  ${settingValue(settings, r).padEnd(8)}  ${r.description}`).join("\n");
}
