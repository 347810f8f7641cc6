import { FormatError } from "../../errors.js";
import type { GgufFile } from "../../formats/index.js";
import { BpeModel } from "../bpe-model.js";
import { END_OF_GENERATION_TEXTS } from "../eog-tokens.js";
import { LlamaCore, type LlamaVocabModel } from "./llama-core.js";
import { compileLlamaPreSplit } from "./llama-pre-split.js";
import { llamaCleanSpaces, llamaPreType } from "./llama-pre-types.js";
import { LlamaSpm } from "./llama-spm.js";
import { LlamaWpm } from "./llama-wpm.js";
import { ATTR_CONTROL, ATTR_NORMAL, ATTR_RSTRIP, ATTR_UNKNOWN, ATTR_USER_DEFINED, attrFromTokenType } from "./llama-token-attr.js";
import { Tokenizer } from "../tokenizer.js";

// FIM token texts llama.cpp marks as control (llama-vocab.cpp load(), "auto-detect special tokens by text")
const FIM_TEXTS: readonly (readonly string[])[] = [
  ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uff5cfim\u2581begin\uff5c>", "<PRE>", "\u2581<PRE>", "<|code_prefix|>"],
  ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uff5cfim\u2581hole\uff5c>", "<SUF>", "\u2581<SUF>", "<|code_suffix|>"],
  ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uff5cfim\u2581end\uff5c>", "<MID>", "\u2581<MID>", "<|code_middle|>"],
  ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>"],
  ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"],
  ["<|file_sep|>"],
];

function stringArray(gguf: GgufFile, key: string): string[] | undefined {
  const arr = gguf.getArray(key);
  if (arr === undefined) return undefined;
  return arr.map((v, i) => {
    if (typeof v !== "string") throw new FormatError(gguf.path, `${key}[${i}] should be a string`);
    return v;
  });
}

function numberArray(gguf: GgufFile, key: string): number[] | undefined {
  const arr = gguf.getArray(key);
  if (arr === undefined) return undefined;
  return arr.map((v, i) => {
    if (typeof v !== "number") throw new FormatError(gguf.path, `${key}[${i}] should be a number`);
    return v;
  });
}

/** The tokenizer stored in a GGUF's `tokenizer.ggml.*` metadata, loaded as llama.cpp's llama_vocab::impl::load does. */
export function tokenizerFromGguf(gguf: GgufFile): Tokenizer {
  const where = gguf.path;
  const modelName = gguf.getString("tokenizer.ggml.model");
  if (modelName === undefined) throw new FormatError(where, "tokenizer.ggml.model is missing");
  if (modelName !== "llama" && modelName !== "gpt2" && modelName !== "bert") {
    throw new FormatError(where, `tokenizer.ggml.model ${JSON.stringify(modelName)} is not supported (only "llama" SentencePiece, "gpt2" BPE and "bert" WordPiece)`);
  }
  const spm = modelName === "llama";
  const wpm = modelName === "bert";
  const preName = gguf.getString("tokenizer.ggml.pre") ?? null;
  const pre = llamaPreType(spm ? "default" : preName);

  const rawTokens = stringArray(gguf, "tokenizer.ggml.tokens");
  if (rawTokens === undefined) throw new FormatError(where, "tokenizer.ggml.tokens is missing");
  const tokens = rawTokens.map((t, i) => (t.length === 0 ? `[EMPTY_${i}]` : t));
  const n = tokens.length;
  const scores = new Float32Array(n);
  const rawScores = numberArray(gguf, "tokenizer.ggml.scores");
  if (rawScores !== undefined) scores.set(rawScores.slice(0, n));
  const types = numberArray(gguf, "tokenizer.ggml.token_type");
  const attrs = new Uint16Array(n).fill(ATTR_NORMAL);
  if (types !== undefined) for (let i = 0; i < n; i++) attrs[i] = attrFromTokenType(types[i] ?? 0);
  const tokenIds = new Map<string, number>();
  tokens.forEach((t, i) => tokenIds.set(t, i));

  const idKey = (key: string, fallback: number | null): number | null => {
    const v = gguf.getNumber(`tokenizer.ggml.${key}`);
    return v !== undefined && v >= 0 && v < n ? v : fallback;
  };
  const bosId = idKey("bos_token_id", spm ? 1 : wpm ? 101 : 11);
  const eosId = idKey("eos_token_id", spm ? 2 : wpm ? null : 11);
  const eotId = idKey("eot_token_id", null);
  const eomId = idKey("eom_token_id", null);
  const addBos = gguf.getBool("tokenizer.ggml.add_bos_token") ?? (spm || wpm ? true : pre.addBos);
  const addEos = gguf.getBool("tokenizer.ggml.add_eos_token") ?? false;
  const addSpacePrefix = gguf.getBool("tokenizer.ggml.add_space_prefix") ?? spm;

  // tokens that end generation are forced to control type; so are the FIM tokens llama.cpp recognizes
  const eog = new Set<number>();
  for (const text of END_OF_GENERATION_TEXTS) {
    const id = tokenIds.get(text);
    if (id === undefined) continue;
    eog.add(id);
    if (!((attrs[id] as number) & ATTR_CONTROL)) attrs[id] = ATTR_CONTROL;
  }
  for (const texts of FIM_TEXTS) {
    const id = texts.map((t) => tokenIds.get(t)).find((v) => v !== undefined);
    if (id !== undefined && !((attrs[id] as number) & ATTR_CONTROL)) attrs[id] = ATTR_CONTROL;
  }
  for (const text of ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]) {
    const id = tokenIds.get(text);
    if (id !== undefined) attrs[id] = ATTR_USER_DEFINED;
  }
  for (const id of [eosId, eotId, eomId]) if (id !== null) eog.add(id);
  const eogText = (text: string): number | undefined => [...eog].find((id) => tokens[id] === text);
  // o200k_harmony / solar-open: <|end|> is not an end of generation when <|return|>/<|call|> or <|calls|>/<|flush|> exist
  const end = eogText("<|end|>");
  const call = eogText("<|call|>") ?? eogText("<|calls|>");
  if (end !== undefined && call !== undefined && (eogText("<|return|>") !== undefined || eogText("<|flush|>") !== undefined)) {
    eog.delete(end);
    attrs[end] = ATTR_USER_DEFINED;
  }
  // gemma4: </s> is text, not an end of generation
  const closeS = eogText("</s>");
  if (closeS !== undefined && eogText("<|tool_response>") !== undefined) {
    eog.delete(closeS);
    attrs[closeS] = ATTR_NORMAL;
  }

  const specialOrder: number[] = [];
  for (let i = 0; i < n; i++) if ((attrs[i] as number) & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) specialOrder.push(i);
  specialOrder.sort((a, b) => utf8Length(tokens[b] as string) - utf8Length(tokens[a] as string) || a - b);

  const generalName = (gguf.getString("general.name") ?? "").toLowerCase();
  if (generalName.includes("phi-3") || generalName.includes("phi3")) {
    for (const id of specialOrder) attrs[id] = (attrs[id] as number) | ATTR_RSTRIP;
    const setRstrip = (text: string, on: boolean): void => {
      const id = tokenIds.get(text);
      if (id !== undefined) attrs[id] = on ? (attrs[id] as number) | ATTR_RSTRIP : (attrs[id] as number) & ~ATTR_RSTRIP;
    };
    setRstrip("</s>", true);
    for (const t of ["<unk>", "<s>", "<|endoftext|>"]) setRstrip(t, false);
  }

  let model: LlamaVocabModel;
  // BERT adds [CLS] (as BOS) and [SEP] around the text
  const sepId = wpm && (gguf.getBool("tokenizer.ggml.add_sep_token") ?? true) ? idKey("seperator_token_id", 102) : null;
  if (wpm) {
    model = { kind: "wpm", wpm: new LlamaWpm(tokenIds, idKey("unknown_token_id", 100) ?? 100) };
  } else if (spm) {
    const byteTokens = new Int32Array(256).fill(-1);
    for (let b = 0; b < 256; b++) {
      const hex = `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
      byteTokens[b] = tokenIds.get(hex) ?? (b < 128 ? (tokenIds.get(String.fromCharCode(b)) ?? -1) : -1);
    }
    model = { kind: "spm", spm: new LlamaSpm(tokenIds, scores, byteTokens), addSpacePrefix };
  } else {
    const merges = stringArray(gguf, "tokenizer.ggml.merges");
    if (merges === undefined) throw new FormatError(where, "tokenizer.ggml.merges is missing (needed by a gpt2 tokenizer)");
    const pairs = merges.map((m): readonly [string, string] => {
      const sp = m.indexOf(" ", 1);
      return sp < 0 ? ["", ""] : [m.slice(0, sp), m.slice(sp + 1)];
    });
    const bpe = new BpeModel(
      tokenIds,
      pairs,
      { unkId: -1, fuseUnk: false, byteFallback: false, ignoreMerges: pre.ignoreMerges, continuingSubwordPrefix: "", endOfWordSuffix: "" },
      where,
      false,
    );
    model = { kind: "bpe", bpe, preSplit: compileLlamaPreSplit(pre.regexes, where) };
  }

  // clean_spaces: on for WordPiece and (most) BPE vocabularies, off for SentencePiece
  const cleanSpaces = wpm || (!spm && llamaCleanSpaces(preName));
  const core = new LlamaCore(tokens, attrs, tokenIds, specialOrder, model, bosId, addBos, eosId, addEos, cleanSpaces);
  const chatTemplate = gguf.getString("tokenizer.chat_template");
  const eosIds = eosId === null ? [] : [eosId];
  for (const id of [...eog].sort((a, b) => a - b)) if (!eosIds.includes(id)) eosIds.push(id);
  return new Tokenizer(core, {
    bosId,
    eosId,
    eosIds,
    prefixIds: addBos && bosId !== null ? [bosId] : [],
    suffixIds: sepId !== null ? [sepId] : addEos && eosId !== null ? [eosId] : [],
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
  });
}

const utf8 = new TextEncoder();
function utf8Length(s: string): number {
  return utf8.encode(s).length;
}
