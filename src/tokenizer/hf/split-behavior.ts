/** How the matches of a split pattern are kept (tokenizers SplitDelimiterBehavior). */
export type SplitBehavior = "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";

export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"];

/**
 * Splits `text` at the matches of the global regex `re`, then combines matches and gaps as tokenizers'
 * NormalizedString::split does (normalizer.rs); empty pieces are dropped. Returns piece boundaries as
 * [start0, end0, start1, end1, …] in UTF-16 units.
 */
export function splitByRegex(text: string, re: RegExp, behavior: SplitBehavior, invert: boolean): number[] {
  // spans: start, end, isMatch (1/0)
  const spans: number[] = [];
  if (text.length === 0) return [];
  re.lastIndex = 0;
  let prev = 0;
  for (;;) {
    const m = re.exec(text);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    if (end === start) {
      re.lastIndex = start + (text.codePointAt(start)! > 0xffff ? 2 : 1);
      if (start >= text.length) break;
      continue;
    }
    if (prev !== start) spans.push(prev, start, invert ? 1 : 0);
    spans.push(start, end, invert ? 0 : 1);
    prev = end;
  }
  if (prev !== text.length) spans.push(prev, text.length, invert ? 1 : 0);
  return combineSpans(spans, behavior);
}

/** Applies a split behavior to [start, end, isMatch]* spans that cover the text in order. */
export function combineSpans(spans: number[], behavior: SplitBehavior): number[] {
  const out: number[] = [];
  const n = spans.length;
  switch (behavior) {
    case "Isolated":
      for (let i = 0; i < n; i += 3) out.push(spans[i] as number, spans[i + 1] as number);
      break;
    case "Removed":
      for (let i = 0; i < n; i += 3) if (spans[i + 2] === 0) out.push(spans[i] as number, spans[i + 1] as number);
      break;
    case "MergedWithPrevious": {
      let prevMatch = false;
      for (let i = 0; i < n; i += 3) {
        const isMatch = spans[i + 2] === 1;
        if (isMatch && !prevMatch && out.length > 0) out[out.length - 1] = spans[i + 1] as number;
        else out.push(spans[i] as number, spans[i + 1] as number);
        prevMatch = isMatch;
      }
      break;
    }
    case "MergedWithNext": {
      const rev: number[] = [];
      let prevMatch = false;
      for (let i = n - 3; i >= 0; i -= 3) {
        const isMatch = spans[i + 2] === 1;
        if (isMatch && !prevMatch && rev.length > 0) rev[rev.length - 2] = spans[i] as number;
        else rev.push(spans[i] as number, spans[i + 1] as number);
        prevMatch = isMatch;
      }
      for (let i = rev.length - 2; i >= 0; i -= 2) out.push(rev[i] as number, rev[i + 1] as number);
      break;
    }
    case "Contiguous": {
      let prevMatch = false;
      for (let i = 0; i < n; i += 3) {
        const isMatch = spans[i + 2] === 1;
        if (isMatch === prevMatch && out.length > 0) out[out.length - 1] = spans[i + 1] as number;
        else out.push(spans[i] as number, spans[i + 1] as number);
        prevMatch = isMatch;
      }
      break;
    }
  }
  return out;
}
