import { FLAG_LETTER, FLAG_NUMBER, FLAG_WHITESPACE, cptFlags } from "./unicode-flags.js";

// Hand-written splitters that llama.cpp uses instead of a regex for two patterns
// (unicode.cpp unicode_regex_split_custom_gpt2 / _llama3). They work on code points and emit piece lengths.

const OUT = -1;

function lower(cp: number): number {
  return cp >= 65 && cp <= 90 ? cp + 32 : cp;
}

/** Length of a contraction ('s 't 'm 'd 're 've 'll) starting at pos, else 0; llama3 matches it case-insensitively. */
function contractionLength(cpt: (p: number) => number, pos: number, end: number, fold: (cp: number) => number): number {
  if (cpt(pos) !== 39 || pos + 1 >= end) return 0;
  const n = fold(cpt(pos + 1));
  if (n === 115 || n === 116 || n === 109 || n === 100) return 2;
  if (pos + 2 >= end) return 0;
  const nn = fold(cpt(pos + 2));
  return (n === 114 && nn === 101) || (n === 118 && nn === 101) || (n === 108 && nn === 108) ? 3 : 0;
}

const same = (cp: number): number => cp;

/** 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
export function splitGpt2(cpts: Int32Array, ini: number, end: number, out: number[]): void {
  const cpt = (p: number): number => (p >= ini && p < end ? (cpts[p] as number) : OUT);
  const flags = (p: number): number => (p >= ini && p < end ? cptFlags(cpts[p] as number) : 0);
  let prevEnd = ini;
  const add = (e: number): number => {
    const len = e - prevEnd;
    if (len > 0) out.push(len);
    prevEnd = e;
    return len;
  };
  for (let pos = ini; pos < end; ) {
    const c = cpt(pos);
    const f = flags(pos);
    const contraction = contractionLength(cpt, pos, end, same);
    if (contraction > 0) {
      pos += add(pos + contraction);
      continue;
    }
    let f2 = c === 32 ? flags(pos + 1) : f;
    if (f2 & FLAG_LETTER) {
      if (c === 32) pos++;
      while (f2 & FLAG_LETTER) f2 = flags(++pos);
      add(pos);
      continue;
    }
    if (f2 & FLAG_NUMBER) {
      if (c === 32) pos++;
      while (f2 & FLAG_NUMBER) f2 = flags(++pos);
      add(pos);
      continue;
    }
    if (!(f2 & (FLAG_WHITESPACE | FLAG_LETTER | FLAG_NUMBER)) && f2 !== 0) {
      if (c === 32) pos++;
      while (!(f2 & (FLAG_WHITESPACE | FLAG_LETTER | FLAG_NUMBER)) && f2 !== 0) f2 = flags(++pos);
      add(pos);
      continue;
    }
    let nws = 0;
    while (flags(pos + nws) & FLAG_WHITESPACE) nws++;
    if (nws > 1 && cpt(pos + nws) !== OUT) {
      pos += nws - 1;
      add(pos);
      continue;
    }
    if (nws > 0) {
      pos += nws;
      add(pos);
      continue;
    }
    add(++pos);
  }
}

/** (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
export function splitLlama3(cpts: Int32Array, ini: number, end: number, out: number[]): void {
  const cpt = (p: number): number => (p >= ini && p < end ? (cpts[p] as number) : OUT);
  const flags = (p: number): number => (p >= ini && p < end ? cptFlags(cpts[p] as number) : 0);
  let prevEnd = ini;
  const add = (e: number): number => {
    const len = e - prevEnd;
    if (len > 0) out.push(len);
    prevEnd = e;
    return len;
  };
  for (let pos = ini; pos < end; ) {
    const c = cpt(pos);
    const f = flags(pos);
    const contraction = contractionLength(cpt, pos, end, lower);
    if (contraction > 0) {
      pos += add(pos + contraction);
      continue;
    }
    if (!(c === 13 || c === 10 || f & FLAG_NUMBER)) {
      if (f & FLAG_LETTER || flags(pos + 1) & FLAG_LETTER) {
        pos++;
        while (flags(pos) & FLAG_LETTER) pos++;
        add(pos);
        continue;
      }
    }
    if (f & FLAG_NUMBER) {
      let start = pos;
      while (flags(pos) & FLAG_NUMBER) {
        if (++pos - start >= 3) {
          add(pos);
          start = pos;
        }
      }
      add(pos);
      continue;
    }
    let f2 = c === 32 ? flags(pos + 1) : f;
    if (!(f2 & (FLAG_WHITESPACE | FLAG_LETTER | FLAG_NUMBER)) && f !== 0) {
      if (c === 32) pos++;
      while (!(f2 & (FLAG_WHITESPACE | FLAG_LETTER | FLAG_NUMBER)) && f2 !== 0) f2 = flags(++pos);
      let c2 = cpt(pos);
      while (c2 === 13 || c2 === 10) c2 = cpt(++pos);
      add(pos);
      continue;
    }
    let nws = 0;
    let lastRN = 0;
    while (flags(pos + nws) & FLAG_WHITESPACE) {
      const c2 = cpt(pos + nws);
      if (c2 === 13 || c2 === 10) lastRN = pos + nws + 1;
      nws++;
    }
    if (lastRN > 0) {
      pos = lastRN;
      add(pos);
      continue;
    }
    if (nws > 1 && cpt(pos + nws) !== OUT) {
      pos += nws - 1;
      add(pos);
      continue;
    }
    if (nws > 0) {
      pos += nws;
      add(pos);
      continue;
    }
    add(++pos);
  }
}
