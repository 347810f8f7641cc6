const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The top-level `model` string of a JSON request body, read without parsing the rest, so the request can be routed
 * to its model (whose tokenizer then parses and tokenizes it, maybe on a worker thread). Strings are skipped with
 * indexOf, so a 15 MB prompt costs little. null: no `model` key, or not a string, or not an object (the full parse
 * reports what is wrong).
 */
export function peekModelName(slabs: readonly Buffer[]): string | null {
  const b = slabs.length === 1 ? slabs[0] : Buffer.concat(slabs);
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) {
      const end = stringEnd(b, i);
      if (end < 0) return null;
      if (depth === 1 && expectKey) {
        expectKey = false;
        const colon = skipSpace(b, end + 1);
        if (b[colon] === 0x3a && keyIs(b, i, end, "model")) {
          const v = skipSpace(b, colon + 1);
          if (b[v] !== QUOTE) return null;
          const vEnd = stringEnd(b, v);
          if (vEnd < 0) return null;
          try {
            const value: unknown = JSON.parse(b.toString("utf8", v, vEnd + 1));
            return typeof value === "string" ? value : null;
          } catch {
            return null;
          }
        }
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      expectKey = c === 0x7b && depth === 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c && depth === 1) {
      expectKey = true;
    }
  }
  return null;
}

/** The index of the quote closing the string that opens at `start` (-1: unterminated). */
function stringEnd(b: Buffer, start: number): number {
  let at = start;
  for (;;) {
    at = b.indexOf(QUOTE, at + 1);
    if (at < 0) return -1;
    let slashes = 0;
    for (let j = at - 1; j > start && b[j] === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return at;
  }
}

function skipSpace(b: Buffer, i: number): number {
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return i;
}

function keyIs(b: Buffer, start: number, end: number, key: string): boolean {
  const raw = b.toString("utf8", start, end + 1);
  if (raw === `"${key}"`) return true;
  if (!raw.includes("\\")) return false;
  try {
    return JSON.parse(raw) === key; // an escaped spelling ("mod\u0065l") is the same key to JSON.parse
  } catch {
    return false;
  }
}
