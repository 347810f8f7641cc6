import { FormatError } from "../../errors.js";
import { AddedVocabulary, type AddedToken } from "./added-vocabulary.js";
import { BpeModel } from "../bpe-model.js";
import { buildDecoder } from "../decoder.js";
import { collectEosIds } from "../eog-tokens.js";
import { HfCore } from "./hf-core.js";
import { asArray, asObject, asString, isObject, optBool, type JsonObject } from "./json-fields.js";
import { buildNormalizer } from "./normalizer.js";
import { buildPostProcessor } from "./post-processor.js";
import { buildPreTokenizer } from "./pre-tokenizer.js";
import { Tokenizer } from "../tokenizer.js";

const maxAddedTokenLength = 4096;

function parseMerges(raw: readonly unknown[], where: string): Array<readonly [string, string]> {
  return raw.map((m, i): readonly [string, string] => {
    if (typeof m === "string") {
      const sp = m.indexOf(" ", 1);
      if (sp < 0) throw new FormatError(where, `model.merges[${i}] ${JSON.stringify(m)} has no space`);
      return [m.slice(0, sp), m.slice(sp + 1)];
    }
    const pair = asArray(m, where, `model.merges[${i}]`);
    return [asString(pair[0], where, `model.merges[${i}][0]`), asString(pair[1], where, `model.merges[${i}][1]`)];
  });
}

function configToken(config: JsonObject | null, key: string): string | null {
  const v = config?.[key];
  if (typeof v === "string") return v;
  if (isObject(v) && typeof v["content"] === "string") return v["content"];
  return null;
}

function chatTemplateOf(config: JsonObject | null): string | undefined {
  const t = config?.["chat_template"];
  if (typeof t === "string") return t;
  if (Array.isArray(t)) {
    const named = t.filter(isObject);
    const def = named.find((x) => x["name"] === "default") ?? named[0];
    if (def !== undefined && typeof def["template"] === "string") return def["template"];
  }
  return undefined;
}

/**
 * Builds a Tokenizer from a parsed tokenizer.json (and optionally its tokenizer_config.json, for BOS/EOS names and
 * the chat template). Only the BPE model is supported (byte-level and SentencePiece-style with byte fallback).
 */
export function tokenizerFromJson(json: unknown, config: unknown, where: string): Tokenizer {
  const root = asObject(json, where, "tokenizer.json");
  const cfg = isObject(config) ? config : null;
  const model = asObject(root["model"], where, "model");
  const modelType = typeof model["type"] === "string" ? model["type"] : "BPE";
  if (modelType !== "BPE") throw new FormatError(where, `model.type ${JSON.stringify(modelType)} is not supported (only BPE)`);

  const vocabJson = asObject(model["vocab"], where, "model.vocab");
  const addedJson = asArray(root["added_tokens"] ?? [], where, "added_tokens");
  // The id → token table is sized by the largest id: ids may leave gaps, but not make it more than about twice
  // the entries the file holds (an id of 2^32 - 1 reached new Array(2^32)).
  const idLimit = 2 * (Object.keys(vocabJson).length + addedJson.length) + 1024;
  const tokenId = (v: unknown, key: string): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= idLimit) {
      throw new FormatError(where, `${key} is ${String(v).slice(0, 40)}, expected a token id in [0, ${idLimit})`);
    }
    return v;
  };
  const vocab = new Map<string, number>();
  for (const token in vocabJson) vocab.set(token, tokenId(vocabJson[token], `model.vocab[${JSON.stringify(token.slice(0, 40))}]`));
  const addedTokens: AddedToken[] = addedJson.map((a, i) => {
    const o = asObject(a, where, `added_tokens[${i}]`);
    const id = tokenId(o["id"], `added_tokens[${i}].id`);
    const content = asString(o["content"], where, `added_tokens[${i}].content`);
    // Added tokens go into a character trie; released tokenizers' are tens of characters long.
    if (content.length > maxAddedTokenLength) {
      throw new FormatError(where, `added_tokens[${i}].content is ${content.length} characters long, more than ${maxAddedTokenLength}`);
    }
    return {
      id,
      content,
      special: optBool(o, "special", false),
      lstrip: optBool(o, "lstrip", false),
      rstrip: optBool(o, "rstrip", false),
      singleWord: optBool(o, "single_word", false),
      normalized: optBool(o, "normalized", !optBool(o, "special", false)),
    };
  });

  let size = 0;
  for (const id of vocab.values()) size = Math.max(size, id + 1);
  for (const t of addedTokens) size = Math.max(size, t.id + 1);
  const idToToken: string[] = new Array<string>(size).fill("");
  for (const [t, id] of vocab) idToToken[id] = t;
  const tokenIds = new Map(vocab);
  const normalizer = buildNormalizer(root["normalizer"], where);
  for (const t of addedTokens) {
    // a normalized added token decodes as its normalized form, as in tokenizers
    idToToken[t.id] = t.normalized && normalizer !== null ? normalizer(t.content) : t.content;
    tokenIds.set(t.content, t.id);
  }

  const unkToken = typeof model["unk_token"] === "string" ? model["unk_token"] : null;
  const bpe = new BpeModel(
    vocab,
    parseMerges(asArray(model["merges"] ?? [], where, "model.merges"), where),
    {
      unkId: unkToken === null ? -1 : (vocab.get(unkToken) ?? -1),
      fuseUnk: optBool(model, "fuse_unk", false),
      byteFallback: optBool(model, "byte_fallback", false),
      ignoreMerges: optBool(model, "ignore_merges", false),
      continuingSubwordPrefix: typeof model["continuing_subword_prefix"] === "string" ? model["continuing_subword_prefix"] : "",
      endOfWordSuffix: typeof model["end_of_word_suffix"] === "string" ? model["end_of_word_suffix"] : "",
    },
    where,
  );
  const core = new HfCore(
    bpe,
    idToToken,
    tokenIds,
    new AddedVocabulary(addedTokens, normalizer),
    buildPreTokenizer(root["pre_tokenizer"], where),
    buildDecoder(root["decoder"], where),
  );
  const post = buildPostProcessor(root["post_processor"], where, (t) => tokenIds.get(t));

  const bosText = configToken(cfg, "bos_token");
  const eosText = configToken(cfg, "eos_token");
  const bosId = bosText !== null ? (tokenIds.get(bosText) ?? null) : post.prefixIds.length === 1 ? (post.prefixIds[0] as number) : null;
  const eosId = eosText !== null ? (tokenIds.get(eosText) ?? null) : null;
  const chatTemplate = chatTemplateOf(cfg);
  return new Tokenizer(core, {
    bosId,
    eosId,
    eosIds: collectEosIds(eosId, (t) => tokenIds.get(t)),
    prefixIds: post.prefixIds,
    suffixIds: post.suffixIds,
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
  });
}
