import { FormatError } from "../../errors.js";
import { asArray, asObject, asString, componentType, optBool, type JsonObject } from "./json-fields.js";
import { compileOnigRegex, literalRegex } from "./onig-regex.js";
import { SPLIT_BEHAVIORS, splitByRegex, type SplitBehavior } from "./split-behavior.js";

/**
 * Pieces of one text segment; `firstAtStart` says whether pieces[0] begins at offset 0 of the original input
 * (what Metaspace's prepend_scheme "first" looks at).
 */
export interface Pieces {
  pieces: string[];
  firstAtStart: boolean;
}

export type PreTokenizer = (input: Pieces) => Pieces;

/** What a tokenizer.json pre_tokenizer compiles to: the splitting steps, and whether words are then byte-level mapped. */
export interface PreTokenizerPlan {
  split: PreTokenizer | null;
  byteLevel: boolean;
  /**
   * Set when the whole plan is one regex split that keeps the matches (Isolated, or Removed with invert): the pieces
   * are the matches, plus the gaps between them when `keepGaps`; lets the encoder walk the matches without arrays.
   */
  matchesOnly: { re: RegExp; keepGaps: boolean } | null;
}

// GPT-2's pattern, used by ByteLevel with use_regex (tokenizers pre_tokenizers/byte_level.rs)
const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function regexSplitter(re: RegExp, behavior: SplitBehavior, invert: boolean): PreTokenizer {
  return ({ pieces, firstAtStart }) => {
    const out: string[] = [];
    let atStart = false;
    for (let p = 0; p < pieces.length; p++) {
      const text = pieces[p] as string;
      const bounds = splitByRegex(text, re, behavior, invert);
      if (p === 0 && firstAtStart && bounds.length > 0 && bounds[0] === 0) atStart = true;
      for (let i = 0; i < bounds.length; i += 2) out.push(text.slice(bounds[i], bounds[i + 1]));
    }
    return { pieces: out, firstAtStart: atStart };
  };
}

function mapPieces(fn: (piece: string, atStart: boolean) => string): PreTokenizer {
  return ({ pieces, firstAtStart }) => {
    const out: string[] = [];
    for (let i = 0; i < pieces.length; i++) if ((pieces[i] as string).length > 0) out.push(fn(pieces[i] as string, i === 0 && firstAtStart));
    return { pieces: out, firstAtStart: firstAtStart && pieces.length > 0 && (pieces[0] as string).length > 0 };
  };
}

// Unicode White_Space, what Rust's char::is_whitespace and regex \s use
const WS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
// Rust regex's Unicode \w (UTS#18 word characters)
const WORD = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}";

function sequence(steps: PreTokenizer[]): PreTokenizer | null {
  if (steps.length === 0) return null;
  if (steps.length === 1) return steps[0] as PreTokenizer;
  return (input) => {
    for (const s of steps) input = s(input);
    return input;
  };
}

function behaviorOf(o: JsonObject, where: string, key: string, fallback: SplitBehavior): SplitBehavior {
  const b = o["behavior"];
  if (b === undefined || b === null) return fallback;
  const name = asString(b, where, `${key}.behavior`);
  if (!(SPLIT_BEHAVIORS as readonly string[]).includes(name)) throw new FormatError(where, `${key}.behavior ${JSON.stringify(name)} is not a split behavior`);
  return name as SplitBehavior;
}

/** Compiles a tokenizer.json `pre_tokenizer`. A trailing ByteLevel's byte mapping is left to the model step (cached). */
export function buildPreTokenizer(json: unknown, where: string): PreTokenizerPlan {
  if (json === null || json === undefined) return { split: null, byteLevel: false, matchesOnly: null };
  const steps: PreTokenizer[] = [];
  const simple: Array<{ re: RegExp; keepGaps: boolean } | null> = [];
  let byteLevel = false;
  const add = (node: unknown, key: string): void => {
    const o = asObject(node, where, key);
    const type = componentType(o, where, key);
    if (byteLevel) throw new FormatError(where, `${key}: ${type} after ByteLevel is not supported`);
    switch (type) {
      case "Sequence":
        asArray(o["pretokenizers"], where, `${key}.pretokenizers`).forEach((p, i) => add(p, `${key}.pretokenizers[${i}]`));
        return;
      case "Split": {
        const pattern = asObject(o["pattern"], where, `${key}.pattern`);
        const re =
          typeof pattern["Regex"] === "string" ? compileOnigRegex(pattern["Regex"], where) : literalRegex(asString(pattern["String"], where, `${key}.pattern.String`));
        const behavior = behaviorOf(o, where, key, "Isolated");
        const invert = optBool(o, "invert", false);
        steps.push(regexSplitter(re, behavior, invert));
        simple.push(
          behavior === "Isolated" && !invert ? { re, keepGaps: true } : behavior === "Removed" && invert ? { re, keepGaps: false } : null,
        );
        return;
      }
      case "ByteLevel": {
        if (optBool(o, "add_prefix_space", false)) steps.push(mapPieces((p) => (p.startsWith(" ") ? p : " " + p)));
        if (optBool(o, "add_prefix_space", false)) simple.push(null);
        if (optBool(o, "use_regex", true)) {
          const re = compileOnigRegex(GPT2_PATTERN, where);
          steps.push(regexSplitter(re, "Isolated", false));
          simple.push({ re, keepGaps: true });
        }
        byteLevel = true;
        return;
      }
      case "Metaspace": {
        const replacement = asString(o["replacement"] ?? "\u2581", where, `${key}.replacement`);
        const scheme = typeof o["prepend_scheme"] === "string" ? o["prepend_scheme"] : optBool(o, "add_prefix_space", true) ? "always" : "never";
        steps.push(
          mapPieces((p, atStart) => {
            const r = p.replaceAll(" ", replacement);
            const prepend = (scheme === "always" || (scheme === "first" && atStart)) && !r.startsWith(replacement);
            return prepend ? replacement + r : r;
          }),
        );
        if (optBool(o, "split", true)) steps.push(regexSplitter(literalRegex(replacement), "MergedWithNext", false));
        return;
      }
      case "Digits":
        steps.push(regexSplitter(/\p{N}/gu, optBool(o, "individual_digits", false) ? "Isolated" : "Contiguous", false));
        return;
      case "Punctuation":
        steps.push(regexSplitter(/[\p{P}!-\/:-@[-`{-~]/gu, behaviorOf(o, where, key, "Isolated"), false));
        return;
      case "Whitespace":
        steps.push(regexSplitter(new RegExp(`[${WORD}]+|[^${WORD}${WS}]+`, "gu"), "Removed", true));
        return;
      case "WhitespaceSplit":
        steps.push(regexSplitter(new RegExp(`[${WS}]+`, "gu"), "Removed", false));
        return;
      case "BertPreTokenizer":
        steps.push(regexSplitter(new RegExp(`[${WS}]+`, "gu"), "Removed", false));
        steps.push(regexSplitter(/[\p{P}!-\/:-@[-`{-~]/gu, "Isolated", false));
        return;
      default:
        throw new FormatError(where, `${key}: pre-tokenizer type ${JSON.stringify(type)} is not supported`);
    }
  };
  add(json, "pre_tokenizer");
  while (simple.length < steps.length) simple.push(null);
  const matchesOnly = steps.length === 1 && simple.length === 1 ? (simple[0] ?? null) : null;
  return { split: sequence(steps), byteLevel, matchesOnly };
}
