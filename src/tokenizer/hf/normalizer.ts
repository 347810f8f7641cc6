import { FormatError } from "../../errors.js";
import { asArray, asObject, asString, componentType, optBool, type JsonObject } from "./json-fields.js";
import { compileOnigRegex, literalRegex } from "./onig-regex.js";

/** A tokenizer.json normalizer: text in, text out (tokenizers/src/normalizers). */
export type Normalizer = (text: string) => string;

/** A `Replace` normalizer/decoder pattern: `{"String": …}` or `{"Regex": …}`. */
export function patternRegex(pattern: unknown, where: string, key: string): RegExp {
  const p = asObject(pattern, where, key);
  if (typeof p["String"] === "string") return literalRegex(p["String"]);
  if (typeof p["Regex"] === "string") return compileOnigRegex(p["Regex"], where);
  throw new FormatError(where, `${key} should hold String or Regex, got ${JSON.stringify(p)}`);
}

export function buildNormalizer(json: unknown, where: string, key = "normalizer"): Normalizer | null {
  if (json === null || json === undefined) return null;
  const o = asObject(json, where, key);
  const type = componentType(o, where, key);
  switch (type) {
    case "Sequence": {
      const parts = asArray(o["normalizers"], where, `${key}.normalizers`)
        .map((n, i) => buildNormalizer(n, where, `${key}.normalizers[${i}]`))
        .filter((n): n is Normalizer => n !== null);
      if (parts.length === 0) return null;
      if (parts.length === 1) return parts[0] as Normalizer;
      return (text) => {
        for (const p of parts) text = p(text);
        return text;
      };
    }
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD":
      return (text) => text.normalize(type);
    case "Lowercase":
      return lowercase;
    case "Strip": {
      const left = optBool(o, "strip_left", optBool(o, "left", true));
      const right = optBool(o, "strip_right", optBool(o, "right", true));
      return (text) => (left && right ? text.trim() : left ? text.trimStart() : right ? text.trimEnd() : text);
    }
    case "Prepend": {
      const prepend = asString(o["prepend"], where, `${key}.prepend`);
      // tokenizers only prepends to non-empty text (normalizers/prepend.rs)
      return (text) => (text.length > 0 ? prepend + text : text);
    }
    case "Replace": {
      const re = patternRegex(o["pattern"], where, `${key}.pattern`);
      const content = asString(o["content"], where, `${key}.content`);
      return (text) => text.replace(re, () => content);
    }
    case "StripAccents":
      return (text) => text.replace(/\p{Mn}/gu, "");
    case "BertNormalizer":
      return bertNormalizer(o);
    default:
      throw new FormatError(where, `${key}: normalizer type ${JSON.stringify(type)} is not supported`);
  }
}

// tokenizers normalizers/bert.rs: controls (Cc, Cf, Cn, Co, Cs but \t \n \r) and U+0000/U+FFFD are dropped, then
// whitespace becomes a space; CJK ideographs are padded with spaces; accents stripped by default when lowercasing.
const BERT_DROPPED = /[\t\n\r]|[\u0000\ufffd\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}]/gu;
const WHITE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/gu;
const CJK = /[\u4e00-\u9fff\u3400-\u4dbf\u{20000}-\u{2a6df}\u{2a700}-\u{2b73f}\u{2b740}-\u{2b81f}\u{2b920}-\u{2ceaf}\uf900-\ufaff\u{2f800}-\u{2fa1f}]/gu;

function bertNormalizer(o: JsonObject): Normalizer {
  const clean = optBool(o, "clean_text", true);
  const chinese = optBool(o, "handle_chinese_chars", true);
  const lower = optBool(o, "lowercase", true);
  const stripAccents = o["strip_accents"] === null || o["strip_accents"] === undefined ? lower : o["strip_accents"] === true;
  return (text) => {
    if (clean) text = text.replace(BERT_DROPPED, (c) => (c === "\t" || c === "\n" || c === "\r" ? " " : "")).replace(WHITE_SPACE, " ");
    if (chinese) text = text.replace(CJK, " $& ");
    if (stripAccents) text = text.normalize("NFD").replace(/\p{Mn}/gu, "");
    if (lower) text = lowercase(text);
    return text;
  };
}

/** Lowercases character by character, as Rust's char::to_lowercase does (no final-sigma rule). */
function lowercase(text: string): string {
  return text.replace(/[^\p{Ll}\0-@[-`{-\x7f]/gu, (c) => c.toLowerCase());
}
