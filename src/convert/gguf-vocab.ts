import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../errors.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import type { GgufKv } from "../formats/gguf-value-type.js";
import { ggufKv } from "../formats/write-gguf.js";
import { readSentencePieceModel } from "./sentencepiece-model.js";

// GGUF token types (llama.cpp llama_token_type; the same numbers as SentencePiece's piece types).
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;
const UNUSED = 5;
const BYTE = 6;

export interface VocabSource {
  dir: string;
  vocabSize: number;
  bosId?: number;
  eosId?: number;
  tokenizerJson?: unknown;
  /** tokenizer_config.json's unk_token, for a tokenizer.json whose model names none. */
  unkToken?: string;
}

/**
 * The tokenizer.ggml.* keys for a converted model: from a SentencePiece tokenizer.model when there is one
 * (convert_hf_to_gguf.py's _set_vocab_sentencepiece), else from tokenizer.json, else a placeholder vocabulary of
 * the right size (`<unk>`, `<s>`, `</s>`, the 256 byte tokens, then `<tok_N>`) so llama.cpp loads the model.
 */
export function buildVocabKvs(src: VocabSource): { kvs: GgufKv[]; kind: "sentencepiece" | "tokenizer.json" | "placeholder" } {
  const spmPath = join(src.dir, "tokenizer.model");
  if (existsSync(spmPath)) return { kvs: sentencePieceKvs(spmPath, src), kind: "sentencepiece" };
  if (isTokenizerJson(src.tokenizerJson)) return { kvs: tokenizerJsonKvs(src, src.tokenizerJson), kind: "tokenizer.json" };
  return { kvs: placeholderKvs(src), kind: "placeholder" };
}

function sentencePieceKvs(path: string, src: VocabSource): GgufKv[] {
  const model = readSentencePieceModel(path, readFileSync(path));
  if (model.pieces.length > src.vocabSize) {
    throw new FormatError(path, `has ${model.pieces.length} pieces, more than config.json's vocab_size ${src.vocabSize}`);
  }
  const tokens = model.pieces.map((p) => p.piece);
  const scores = model.pieces.map((p) => p.score);
  const types = model.pieces.map((p) => p.type);
  for (let id = tokens.length; id < src.vocabSize; id++) {
    tokens.push(`[PAD${id}]`);
    scores.push(-1000);
    types.push(UNUSED);
  }
  const unk = types.indexOf(UNKNOWN);
  return [
    ...tokenListKvs("llama", tokens, scores, types),
    ...specialIdKvs(src, unk >= 0 ? unk : undefined),
    ggufKv("tokenizer.ggml.add_space_prefix", model.addDummyPrefix, GgufValueType.BOOL),
  ];
}

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges?: Array<string | [string, string]>; byte_fallback?: boolean; unk_token?: string | null };
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
  pre_tokenizer?: unknown;
  normalizer?: unknown;
}

function isTokenizerJson(v: unknown): v is TokenizerJson {
  const model = (v as { model?: { type?: unknown; vocab?: unknown } } | undefined)?.model;
  return model?.type === "BPE" && typeof model.vocab === "object" && model.vocab !== null;
}

/** BPE from tokenizer.json: SentencePiece-style (byte_fallback) as "llama" with rank scores, else byte-level "gpt2". */
function tokenizerJsonKvs(src: VocabSource, tj: TokenizerJson): GgufKv[] {
  const tokens = Array.from({ length: src.vocabSize }, (_, id) => `[PAD${id}]`);
  const types = new Array<number>(src.vocabSize).fill(UNUSED);
  const put = (content: string, id: number, type: number): void => {
    if (id < 0 || id >= src.vocabSize) throw new FormatError(join(src.dir, "tokenizer.json"), `token ${JSON.stringify(content)} has id ${id}, outside vocab_size ${src.vocabSize}`);
    tokens[id] = content;
    types[id] = type;
  };
  for (const [content, id] of Object.entries(tj.model.vocab)) put(content, id, /^<0x[0-9A-F]{2}>$/.test(content) ? BYTE : NORMAL);
  for (const t of tj.added_tokens ?? []) put(t.content, t.id, t.special ? CONTROL : NORMAL);
  const unk = tj.model.unk_token ?? src.unkToken;
  if (typeof unk === "string" && tj.model.vocab[unk] !== undefined) types[tj.model.vocab[unk]!] = UNKNOWN;
  if (tj.model.byte_fallback) {
    // SentencePiece BPE merges by score: a piece's rank in the vocabulary stands in for the score it was trained with.
    const scores = tokens.map((_, id) => (types[id] === NORMAL ? -id : 0));
    return [...tokenListKvs("llama", tokens, scores, types), ...specialIdKvs(src, types.indexOf(UNKNOWN)), ...spacePrefixKv(tj)];
  }
  const merges = (tj.model.merges ?? []).map((m) => (Array.isArray(m) ? m.join(" ") : m));
  return [
    ggufKv("tokenizer.ggml.model", "gpt2"),
    ggufKv("tokenizer.ggml.pre", "default"),
    ggufKv("tokenizer.ggml.tokens", tokens, GgufValueType.ARRAY, GgufValueType.STRING),
    ggufKv("tokenizer.ggml.token_type", types, GgufValueType.ARRAY, GgufValueType.INT32),
    ggufKv("tokenizer.ggml.merges", merges, GgufValueType.ARRAY, GgufValueType.STRING),
    ...specialIdKvs(src, undefined),
  ];
}

/** SentencePiece's dummy prefix as tokenizer.json spells it: a Metaspace pre-tokenizer or a Prepend("▁") normalizer. */
function spacePrefixKv(tj: TokenizerJson): GgufKv[] {
  const spec = JSON.stringify([tj.pre_tokenizer ?? null, tj.normalizer ?? null]);
  if (spec.includes('"prepend_scheme":"never"') || spec.includes('"add_prefix_space":false')) return [ggufKv("tokenizer.ggml.add_space_prefix", false, GgufValueType.BOOL)];
  if (spec.includes('"Metaspace"') || spec.includes('"Prepend"')) return [ggufKv("tokenizer.ggml.add_space_prefix", true, GgufValueType.BOOL)];
  return [];
}

function placeholderKvs(src: VocabSource): GgufKv[] {
  const n = src.vocabSize;
  const tokens = Array.from({ length: n }, (_, id) => `<tok_${id}>`);
  const types = new Array<number>(n).fill(NORMAL);
  const scores = new Array<number>(n).fill(0);
  const specials = ["<unk>", "<s>", "</s>"];
  for (let id = 0; id < Math.min(3, n); id++) {
    tokens[id] = specials[id]!;
    types[id] = id === 0 ? UNKNOWN : CONTROL;
  }
  if (n >= 3 + 256) {
    for (let b = 0; b < 256; b++) {
      tokens[3 + b] = `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
      types[3 + b] = BYTE;
    }
  }
  // llama.cpp's vocabulary loader looks "<|endoftext|>" up by text in models named phi-3/phi3 (llama-vocab.cpp,
  // per-token attributes) and fails without it; the last id holds it (a control token, as in Phi-3's vocabulary).
  if (n > 3 + 256) {
    tokens[n - 1] = "<|endoftext|>";
    types[n - 1] = CONTROL;
  }
  const bos = src.bosId !== undefined && src.bosId < n ? src.bosId : 1;
  const eos = src.eosId !== undefined && src.eosId < n ? src.eosId : 2;
  types[bos] = CONTROL;
  types[eos] = CONTROL;
  return [
    ...tokenListKvs("llama", tokens, scores, types),
    ...specialIdKvs({ ...src, bosId: bos, eosId: eos }, 0),
    ggufKv("tokenizer.ggml.add_space_prefix", true, GgufValueType.BOOL),
  ];
}

function tokenListKvs(model: string, tokens: string[], scores: number[], types: number[]): GgufKv[] {
  return [
    ggufKv("tokenizer.ggml.model", model),
    ggufKv("tokenizer.ggml.pre", "default"),
    ggufKv("tokenizer.ggml.tokens", tokens, GgufValueType.ARRAY, GgufValueType.STRING),
    ggufKv("tokenizer.ggml.scores", scores, GgufValueType.ARRAY, GgufValueType.FLOAT32),
    ggufKv("tokenizer.ggml.token_type", types, GgufValueType.ARRAY, GgufValueType.INT32),
  ];
}

function specialIdKvs(src: VocabSource, unkId: number | undefined): GgufKv[] {
  const kvs: GgufKv[] = [];
  const add = (key: string, id: number | undefined): void => {
    if (id !== undefined && id >= 0 && id < src.vocabSize) kvs.push(ggufKv(`tokenizer.ggml.${key}`, id, GgufValueType.UINT32));
  };
  add("bos_token_id", src.bosId);
  add("eos_token_id", src.eosId);
  add("unknown_token_id", unkId);
  return kvs;
}
