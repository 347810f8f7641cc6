import { FormatError } from "../../errors.js";
import { splitGpt2, splitLlama3 } from "./llama-custom-split.js";
import {
  FLAG_ACCENT_MARK,
  FLAG_LETTER,
  FLAG_NUMBER,
  FLAG_PUNCTUATION,
  FLAG_SYMBOL,
  FLAG_WHITESPACE,
  categoryOf,
  cptFlags,
} from "./unicode-flags.js";

// llama.cpp's pre-tokenizer: a list of regexes applied in turn, each splitting every piece into matches and the
// gaps between them (unicode.cpp unicode_regex_split). Patterns that use \p{…} run over a "collapsed" text in
// which each non-ASCII code point is replaced by one byte standing for its category (0xD1 number, 0xD2 letter,
// 0xD3 punctuation, 0xD4 mark, 0xD5 symbol, 0x0B whitespace, 0xD0 other), exactly as llama.cpp does; the others run
// over the code points with non-ASCII whitespace replaced by 0x0B.

export const GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
export const LLAMA3_REGEX =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3_REGEX_ORIGINAL =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const CATEGORY_CLASS: ReadonlyArray<readonly [string, number]> = [
  ["\\p{N}", FLAG_NUMBER],
  ["\\p{L}", FLAG_LETTER],
  ["\\p{P}", FLAG_PUNCTUATION],
  ["\\p{M}", FLAG_ACCENT_MARK],
  ["\\p{S}", FLAG_SYMBOL],
  ["\\p{Lu}", FLAG_LETTER],
  ["\\p{Ll}", FLAG_LETTER],
  ["\\p{Lt}", FLAG_LETTER],
  ["\\p{Lm}", FLAG_LETTER],
  ["\\p{Lo}", FLAG_LETTER],
];

// collapsed byte for a category, and the ASCII members of that category (unicode.cpp k_ucat_cpt / k_ucat_map)
const COLLAPSED: ReadonlyMap<number, readonly [string, string]> = new Map([
  [FLAG_NUMBER, ["\u00d1", "0-9"]],
  [FLAG_LETTER, ["\u00d2", "A-Za-z"]],
  [FLAG_PUNCTUATION, ["\u00d3", "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"]],
  [FLAG_ACCENT_MARK, ["\u00d4", ""]],
  [FLAG_SYMBOL, ["\u00d5", "\\$\\+<->\\^`\\|"]],
]);

type Step = { kind: "gpt2" } | { kind: "llama3" } | { kind: "collapsed"; re: RegExp } | { kind: "wide"; re: RegExp };

/** Compiles llama.cpp's regex list for one vocabulary into splitting steps. */
export function compileLlamaPreSplit(regexes: readonly string[], where: string): Step[] {
  return regexes.map((r): Step => {
    if (r === GPT2_REGEX) return { kind: "gpt2" };
    if (r === LLAMA3_REGEX || r === LLAMA3_REGEX_ORIGINAL) return { kind: "llama3" };
    try {
      if (CATEGORY_CLASS.some(([name]) => r.includes(name))) return { kind: "collapsed", re: new RegExp(collapseRegex(r), "g") };
      return { kind: "wide", re: new RegExp(asciiSpaces(r), "gu") };
    } catch (e) {
      throw new FormatError(where, `pre-tokenizer regex ${JSON.stringify(r)} cannot be compiled: ${(e as Error).message}`);
    }
  });
}

// std::wregex's \s only knows ASCII whitespace (non-ASCII whitespace was replaced by 0x0B beforehand)
function asciiSpaces(r: string): string {
  let out = "";
  let inside = false;
  for (let i = 0; i < r.length; i++) {
    const c = r[i] as string;
    if (c === "\\") {
      const n = r[i + 1] as string;
      i++;
      if (n === "s") out += inside ? "\\t-\\r " : "[\\t-\\r ]";
      else if (n === "S") out += "[^\\t-\\r ]";
      else out += c + n;
      continue;
    }
    if (c === "[") inside = true;
    else if (c === "]") inside = false;
    out += c;
  }
  return out;
}

function collapseRegex(r: string): string {
  let out = "";
  let inside = false;
  for (let i = 0; i < r.length; i++) {
    const c = r[i] as string;
    if (c === "[" && (i === 0 || r[i - 1] !== "\\")) {
      out += c;
      inside = true;
      continue;
    }
    if (inside && c === "]" && r[i - 1] !== "\\") {
      out += c;
      inside = false;
      continue;
    }
    if (c === "\\" && r[i + 1] === "p" && r[i + 2] === "{") {
      const close = r.indexOf("}", i + 3);
      const cls = CATEGORY_CLASS.find(([name]) => name === r.slice(i, close + 1));
      if (cls !== undefined) {
        const [byte, ascii] = COLLAPSED.get(cls[1]) as readonly [string, string];
        out += inside ? byte + ascii : `[${byte}${ascii}]`;
        i = close;
        continue;
      }
    }
    out += c;
  }
  return out;
}

const CATEGORY_BYTE = new Map<number, number>([
  [FLAG_NUMBER, 0xd1],
  [FLAG_LETTER, 0xd2],
  [FLAG_PUNCTUATION, 0xd3],
  [FLAG_ACCENT_MARK, 0xd4],
  [FLAG_SYMBOL, 0xd5],
]);

/** Splits `text` into the words llama.cpp's BPE tokenizer sees (before byte-level mapping). */
export function llamaPreSplit(text: string, steps: readonly Step[]): string[] {
  const cps = Array.from(text, (ch) => ch.codePointAt(0) as number);
  const cpts = Int32Array.from(cps);
  const n = cpts.length;
  let collapsed: string | null = null;
  let wide: string | null = null;
  let wideIndex: Int32Array | null = null; // UTF-16 index -> code point index
  let lengths: number[] = [n];
  for (const step of steps) {
    const next: number[] = [];
    let start = 0;
    for (const len of lengths) {
      const end = start + len;
      if (step.kind === "gpt2") splitGpt2(cpts, start, end, next);
      else if (step.kind === "llama3") splitLlama3(cpts, start, end, next);
      else if (step.kind === "collapsed") {
        collapsed ??= collapse(cpts);
        regexLengths(collapsed.slice(start, end), step.re, null, next);
      } else {
        if (wide === null) [wide, wideIndex] = widen(cpts);
        const a = cpIndexToUtf16(wideIndex as Int32Array, start);
        const b = cpIndexToUtf16(wideIndex as Int32Array, end);
        regexLengths(wide.slice(a, b), step.re, wideIndex!.subarray(a, b + 1).map((v) => v - start), next);
      }
      start = end;
    }
    lengths = next;
  }
  const words: string[] = [];
  let cp = 0;
  let u = 0;
  for (const len of lengths) {
    let e = u;
    for (let k = 0; k < len; k++) e += (cpts[cp + k] as number) > 0xffff ? 2 : 1;
    words.push(text.slice(u, e));
    cp += len;
    u = e;
  }
  return words;
}

function collapse(cpts: Int32Array): string {
  const codes = new Uint16Array(cpts.length);
  for (let i = 0; i < cpts.length; i++) {
    const cp = cpts[i] as number;
    if (cp < 128) codes[i] = cp;
    else {
      const f = cptFlags(cp);
      codes[i] = f & FLAG_WHITESPACE ? 0x0b : (CATEGORY_BYTE.get(categoryOf(f)) ?? 0xd0);
    }
  }
  let s = "";
  for (let i = 0; i < codes.length; i += 4096) s += String.fromCharCode.apply(null, codes.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

function widen(cpts: Int32Array): [string, Int32Array] {
  const parts: string[] = [];
  const index: number[] = [];
  for (let i = 0; i < cpts.length; i++) {
    let cp = cpts[i] as number;
    if (cp > 0x7f && cptFlags(cp) & FLAG_WHITESPACE) cp = 0x0b;
    const ch = String.fromCodePoint(cp);
    parts.push(ch);
    index.push(i);
    if (ch.length === 2) index.push(i);
  }
  index.push(cpts.length);
  return [parts.join(""), Int32Array.from(index)];
}

function cpIndexToUtf16(index: Int32Array, cp: number): number {
  // index is non-decreasing: first UTF-16 position whose code point index is cp
  let lo = 0;
  let hi = index.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((index[mid] as number) < cp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Appends the lengths (in code points) of matches and gaps of `re` over `chunk`. */
function regexLengths(chunk: string, re: RegExp, utf16ToCp: Int32Array | null, out: number[]): void {
  const toCp = (u: number): number => (utf16ToCp === null ? u : (utf16ToCp[u] as number));
  re.lastIndex = 0;
  let prev = 0;
  for (;;) {
    const m = re.exec(chunk);
    if (m === null) break;
    const a = m.index;
    const b = a + m[0].length;
    if (a > prev) out.push(toCp(a) - toCp(prev));
    if (b > a) out.push(toCp(b) - toCp(a));
    else re.lastIndex = a + 1;
    prev = b;
    if (re.lastIndex > chunk.length) break;
  }
  if (prev < chunk.length) out.push(toCp(chunk.length) - toCp(prev));
}
