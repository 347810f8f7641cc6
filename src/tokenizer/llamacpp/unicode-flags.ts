// Code point classes as llama.cpp's unicode.cpp sees them (unicode_cpt_flags): one general category each,
// plus a whitespace bit. Computed from JavaScript's Unicode property escapes and memoized.

export const FLAG_NUMBER = 1;
export const FLAG_LETTER = 2;
export const FLAG_SEPARATOR = 4;
export const FLAG_ACCENT_MARK = 8;
export const FLAG_PUNCTUATION = 16;
export const FLAG_SYMBOL = 32;
export const FLAG_CONTROL = 64;
export const FLAG_WHITESPACE = 128;
/** an unassigned code point: still a flag, so that only positions past the text have no flags at all */
export const FLAG_UNDEFINED = 256;

const CATEGORY_MASK = 127;
const memo = new Uint16Array(0x110000);
const computed = new Uint8Array(0x110000);

const RE_N = /\p{N}/u;
const RE_L = /\p{L}/u;
const RE_Z = /\p{Z}/u;
const RE_M = /\p{M}/u;
const RE_P = /\p{P}/u;
const RE_S = /\p{S}/u;
const RE_C = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;

/** llama.cpp's unicode_set_whitespace (the Unicode White_Space property). */
export function isUnicodeWhitespace(cp: number): boolean {
  return (
    (cp >= 9 && cp <= 13) || cp === 32 || cp === 0x85 || cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000
  );
}

/** The flags of a code point (FLAG_UNDEFINED for an unassigned one); 0 only outside the code point range. */
export function cptFlags(cp: number): number {
  if (cp < 0 || cp >= 0x110000) return 0;
  if (computed[cp] === 1) return memo[cp] as number;
  const ch = String.fromCodePoint(cp);
  let f = 0;
  if (RE_N.test(ch)) f = FLAG_NUMBER;
  else if (RE_L.test(ch)) f = FLAG_LETTER;
  else if (RE_Z.test(ch)) f = FLAG_SEPARATOR;
  else if (RE_M.test(ch)) f = FLAG_ACCENT_MARK;
  else if (RE_P.test(ch)) f = FLAG_PUNCTUATION;
  else if (RE_S.test(ch)) f = FLAG_SYMBOL;
  else if (RE_C.test(ch)) f = FLAG_CONTROL;
  else f = FLAG_UNDEFINED;
  if (isUnicodeWhitespace(cp)) f |= FLAG_WHITESPACE;
  memo[cp] = f;
  computed[cp] = 1;
  return f;
}

export function categoryOf(flags: number): number {
  return flags & CATEGORY_MASK;
}
