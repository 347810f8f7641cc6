import { FormatError } from "../../errors.js";

// Oniguruma's Unicode \s (onig doc/RE: 0009-000D, 0020, 0085, 00A0, 1680, 2000-200A, 2028, 2029, 202F, 205F, 3000).
// JavaScript's \s differs (it adds U+FEFF and lacks U+0085), so it is spelled out.
const ONIG_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/**
 * Translates a tokenizers (Rust, Oniguruma) pattern into a JavaScript `u` regex source:
 * `(?i:…)` groups become explicit [xX] classes, and \s \S \d \w \h take Oniguruma's Unicode meaning.
 */
export function onigToJsSource(pattern: string, where: string): string {
  let out = "";
  let inClass = 0; // depth of [...]
  const caseGroups: number[] = []; // paren depth of open (?i: groups
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === undefined) throw new FormatError(where, `regex ${JSON.stringify(pattern)} ends with a backslash`);
      i++;
      if (n === "s") out += inClass ? ONIG_SPACE : `[${ONIG_SPACE}]`;
      else if (n === "S") {
        if (inClass) throw new FormatError(where, `regex ${JSON.stringify(pattern)}: \\S inside a class is not supported`);
        out += `[^${ONIG_SPACE}]`;
      } else if (n === "d") out += inClass ? "\\p{Nd}" : "\\p{Nd}";
      else if (n === "D") out += inClass ? "\\P{Nd}" : "\\P{Nd}";
      else if (n === "w") out += inClass ? "\\p{L}\\p{M}\\p{Nd}\\p{Pc}" : "[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]";
      else if (n === "W") out += inClass ? "" : "[^\\p{L}\\p{M}\\p{Nd}\\p{Pc}]";
      else if (n === "h") out += inClass ? "0-9a-fA-F" : "[0-9a-fA-F]";
      else if (n === "p" || n === "P") {
        const close = pattern.indexOf("}", i);
        out += pattern.slice(i - 1, close + 1);
        i = close;
      } else if (/[A-Za-z0-9]/.test(n)) out += "\\" + n;
      else if (n === "-") out += inClass ? "\\-" : "-";
      else if ("^$\\.*+?()[]{}|/".includes(n)) out += "\\" + n;
      else out += n === "\u0000" ? "\\0" : escapeLiteral(n);
      continue;
    }
    if (inClass) {
      if (c === "[") inClass++;
      else if (c === "]") inClass--;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = 1;
      out += c;
      if (pattern[i + 1] === "^") {
        out += "^";
        i++;
      }
      if (pattern[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(") {
      depth++;
      if (pattern.startsWith("(?i:", i)) {
        caseGroups.push(depth);
        out += "(?:";
        i += 3;
        continue;
      }
      out += c;
      continue;
    }
    if (c === ")") {
      if (caseGroups[caseGroups.length - 1] === depth) caseGroups.pop();
      depth--;
      out += c;
      continue;
    }
    if (caseGroups.length > 0 && /[A-Za-z]/.test(c)) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
      continue;
    }
    out += c;
  }
  return out;
}

function escapeLiteral(ch: string): string {
  return /[\^$\\.*+?()[\]{}|/]/.test(ch) ? "\\" + ch : ch;
}

/** Compiles a tokenizers pattern (`{"Regex": …}`) as a global Unicode JavaScript regex. */
export function compileOnigRegex(pattern: string, where: string): RegExp {
  const source = onigToJsSource(pattern, where);
  try {
    return new RegExp(source, "gu");
  } catch (e) {
    throw new FormatError(where, `regex ${JSON.stringify(pattern)} cannot be compiled: ${(e as Error).message}`);
  }
}

/** Escapes a literal string (`{"String": …}`) for use in a regex. */
export function literalRegex(text: string): RegExp {
  return new RegExp(text.replace(/[\^$\\.*+?()[\]{}|/]/g, "\\$&"), "gu");
}
