import { applyJsonEdit, hasParent, hostileJsonFiles, hostileJsonValues } from "./hostile-json.js";
import type { JsonEdit } from "./hostile-json.js";

/** A hostile HF directory: the base files with some replaced (null: removed). */
export interface HostileHfCase {
  label: string;
  /** The files it replaces (made when its turn comes: some are megabytes). */
  changes: readonly string[];
  files: () => Record<string, string | null>;
  /** When set, the load must fail with a typed error whose message matches. */
  expect?: RegExp;
}

export type HfBase = Record<"config.json" | "tokenizer.json" | "tokenizer_config.json", string>;

const configKeys = [
  "model_type", "num_hidden_layers", "hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim",
  "intermediate_size", "max_position_embeddings", "vocab_size", "rms_norm_eps", "rope_parameters", "rope_theta",
  "rope_scaling", "partial_rotary_factor", "tie_word_embeddings", "sliding_window", "layer_types", "bos_token_id",
  "eos_token_id",
];
const expertKeys = ["num_local_experts", "num_experts_per_tok", "intermediate_size", "num_hidden_layers"];
const modelTypes = ["mixtral", "qwen3_moe", "gemma3_text", "gemma2", "gemma", "gpt2", "phi3", "qwen2", "qwen3", "olmo2", "mistral", "unknown", ""];

const tokenizerPaths: (string | number)[][] = [
  ["model"], ["model", "type"], ["model", "vocab"], ["model", "merges"], ["model", "unk_id"], ["model", "byte_fallback"],
  ["model", "dropout"], ["added_tokens"], ["added_tokens", 0], ["added_tokens", 0, "id"], ["added_tokens", 0, "content"],
  ["added_tokens", 0, "special"], ["normalizer"], ["pre_tokenizer"], ["post_processor"], ["decoder"], ["truncation"],
  ["padding"],
];
const tokenizerConfigKeys = ["chat_template", "bos_token", "eos_token", "add_bos_token", "model_max_length"];

function editCases(file: keyof HfBase, base: HfBase, label: string, edits: JsonEdit[]): HostileHfCase[] {
  const root = JSON.parse(base[file]) as unknown;
  return edits.filter((edit) => hasParent(root, edit.path)).map((edit) => {
    const what = edit.raw === undefined ? "removed" : `= ${hostileJsonValues.find(([, raw]) => raw === edit.raw)?.[0] ?? edit.raw.slice(0, 40)}`;
    return { label: `${label} ${file} ${edit.path.join(".")} ${what}`, changes: [file], files: () => ({ [file]: applyJsonEdit(base[file], edit) }) };
  });
}

const whole = (label: string, file: string, text: string | null): HostileHfCase => ({ label, changes: [file], files: () => ({ [file]: text }) });

const valueEdits = (path: (string | number)[]): JsonEdit[] => [{ path, raw: undefined }, ...hostileJsonValues.map(([, raw]) => ({ path, raw }))];

/** A pipeline component nested `depth` deep (Sequence of Sequence of …): walked recursively by naive loaders. */
function nestedSequence(kind: string, listKey: string, depth: number): string {
  return `${`{"type":"Sequence","${listKey}":[`.repeat(depth)}{"type":"${kind}"}${"]}".repeat(depth)}`;
}

/**
 * Hostile HF directory files from a llama base (config.json, tokenizer.json, tokenizer_config.json) and a
 * Mixtral config: every config key and tokenizer component set to each hostile JSON value or removed, model_type
 * switched under the same tensors, whole files replaced, pipelines nested deep, vocabulary ids corrupted.
 */
export function hostileHfCases(base: HfBase, mixtralConfig: string, random: () => number): { llama: HostileHfCase[]; mixtral: HostileHfCase[] } {
  const llama: HostileHfCase[] = [];
  for (const key of configKeys) llama.push(...editCases("config.json", base, "llama", valueEdits([key])));
  for (const key of ["num_hidden_layers", "hidden_size", "num_attention_heads"]) {
    const expect = new RegExp(`config\\.json: ${key} is 4294967295, expected an integer in`);
    llama.push(...editCases("config.json", base, "llama", [{ path: [key], raw: "4294967295" }]).map((c) => ({ ...c, label: `${c.label} (named)`, expect })));
  }
  const addedId = /tokenizer\.json: added_tokens\[0\]\.id is 4294967295, expected a token id in/;
  llama.push(...editCases("tokenizer.json", base, "llama", [{ path: ["added_tokens", 0, "id"], raw: "4294967295" }]).map((c) => ({ ...c, label: `${c.label} (named)`, expect: addedId })));
  for (const t of modelTypes) llama.push(...editCases("config.json", base, "llama", [{ path: ["model_type"], raw: JSON.stringify(t) }]));
  for (const path of tokenizerPaths) llama.push(...editCases("tokenizer.json", base, "llama", valueEdits(path)));
  for (const key of tokenizerConfigKeys) llama.push(...editCases("tokenizer_config.json", base, "llama", valueEdits([key])));
  for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json"] as const) {
    for (const [name, text] of hostileJsonFiles(base[file])) llama.push(whole(`${file} ${name}`, file, text));
  }
  llama.push(whole("tokenizer.json removed", "tokenizer.json", null));
  for (const depth of [1000, 100_000]) {
    const nested: [string, string][] = [
      ["normalizer", nestedSequence("NFC", "normalizers", depth)],
      ["pre_tokenizer", nestedSequence("Whitespace", "pretokenizers", depth)],
      ["decoder", nestedSequence("Fuse", "decoders", depth)],
      ["post_processor", nestedSequence("ByteLevel", "processors", depth)],
    ];
    for (const [key, raw] of nested) {
      const expect = depth > 64 ? /tokenizer\.json: nests arrays\/objects more than 64 deep/ : undefined;
      llama.push(...editCases("tokenizer.json", base, `llama ${depth}-deep`, [{ path: [key], raw }]).map((c) => ({ ...c, ...(expect ? { expect } : {}) })));
    }
  }
  const vocab = Object.keys((JSON.parse(base["tokenizer.json"]) as { model: { vocab: Record<string, number> } }).model.vocab);
  for (let i = 0; i < 40; i++) {
    const token = vocab[Math.floor(random() * vocab.length)]!;
    const [, raw] = hostileJsonValues[Math.floor(random() * 12)]!;
    llama.push(...editCases("tokenizer.json", base, "llama vocab id", [{ path: ["model", "vocab", token], raw }]));
  }

  const moeBase = { ...base, "config.json": mixtralConfig };
  const mixtral: HostileHfCase[] = [];
  for (const key of expertKeys) mixtral.push(...editCases("config.json", moeBase, "mixtral", valueEdits([key])));
  return { llama, mixtral };
}
