import { FormatError } from "../errors.js";
import { byteLevelDecodeToken } from "./byte-level.js";
import { asArray, asObject, asString, componentType, optBool, optNumber } from "./hf/json-fields.js";
import { patternRegex } from "./hf/normalizer.js";

/** A tokenizer.json decoder step: token strings in, strings out (tokenizers decode_chain); the results are joined. */
export type DecoderStep = (tokens: string[]) => string[];

const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Parses a SentencePiece byte token "<0xAB>", or returns -1. */
export function byteTokenValue(token: string): number {
  if (token.length !== 6 || !token.startsWith("<0x") || token[5] !== ">") return -1;
  const v = Number.parseInt(token.slice(3, 5), 16);
  return Number.isNaN(v) ? -1 : v;
}

function byteLevel(tokens: string[]): string[] {
  const bytes: number[] = [];
  for (const t of tokens) byteLevelDecodeToken(t, bytes);
  return [lossy.decode(Uint8Array.from(bytes))];
}

function byteFallback(tokens: string[]): string[] {
  const out: string[] = [];
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    try {
      out.push(strict.decode(Uint8Array.from(pending)));
    } catch {
      for (let i = 0; i < pending.length; i++) out.push("\ufffd");
    }
    pending = [];
  };
  for (const t of tokens) {
    const b = byteTokenValue(t);
    if (b >= 0) pending.push(b);
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

function stripStep(content: string, start: number, stop: number): DecoderStep {
  return (tokens) =>
    tokens.map((t) => {
      const chars = Array.from(t);
      let a = 0;
      while (a < start && a < chars.length && chars[a] === content) a++;
      let b = chars.length;
      while (chars.length - b < stop && b > a && chars[b - 1] === content) b--;
      return a === 0 && b === chars.length ? t : chars.slice(a, b).join("");
    });
}

export function buildDecoder(json: unknown, where: string, key = "decoder"): DecoderStep | null {
  if (json === null || json === undefined) return null;
  const o = asObject(json, where, key);
  const type = componentType(o, where, key);
  switch (type) {
    case "Sequence": {
      const steps = asArray(o["decoders"], where, `${key}.decoders`)
        .map((d, i) => buildDecoder(d, where, `${key}.decoders[${i}]`))
        .filter((d): d is DecoderStep => d !== null);
      return (tokens) => {
        for (const s of steps) tokens = s(tokens);
        return tokens;
      };
    }
    case "ByteLevel":
      return byteLevel;
    case "ByteFallback":
      return byteFallback;
    case "Fuse":
      return (tokens) => [tokens.join("")];
    case "Strip":
      return stripStep(asString(o["content"], where, `${key}.content`), optNumber(o, "start", 0), optNumber(o, "stop", 0));
    case "Replace": {
      const re = patternRegex(o["pattern"], where, `${key}.pattern`);
      const content = asString(o["content"], where, `${key}.content`);
      return (tokens) => tokens.map((t) => t.replace(re, () => content));
    }
    case "Metaspace": {
      const replacement = asString(o["replacement"] ?? "\u2581", where, `${key}.replacement`);
      const scheme = typeof o["prepend_scheme"] === "string" ? o["prepend_scheme"] : optBool(o, "add_prefix_space", true) ? "always" : "never";
      // tokenizers' Metaspace decoder drops every replacement character of the first token (unless "never")
      return (tokens) => tokens.map((t, i) => t.replaceAll(replacement, i === 0 && scheme !== "never" ? "" : " "));
    }
    case "WordPiece": {
      const prefix = typeof o["prefix"] === "string" ? o["prefix"] : "##";
      const clean = optBool(o, "cleanup", true);
      return (tokens) =>
        tokens.map((t, i) => {
          const joined = i > 0 ? (t.startsWith(prefix) ? t.slice(prefix.length) : " " + t) : t;
          return clean ? cleanupTokenizationSpaces(joined) : joined;
        });
    }
    case "BPEDecoder": {
      const suffix = typeof o["suffix"] === "string" ? o["suffix"] : "</w>";
      return (tokens) => tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? "" : " "));
    }
    default:
      throw new FormatError(where, `${key}: decoder type ${JSON.stringify(type)} is not supported`);
  }
}

// tokenizers decoders/wordpiece.rs `cleanup` (transformers' clean_up_tokenization)
export function cleanupTokenizationSpaces(s: string): string {
  return s
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" do not", " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
