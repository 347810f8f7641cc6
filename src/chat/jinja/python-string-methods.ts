// str methods templates call (`content.strip('\n')`, `name.startswith(...)`), with Python's semantics:
// strip() trims Python's whitespace set and strip(chars) trims those characters; indices count code points.
import type { JinjaValue } from "./jinja-values.js";
import { ArrayValue, BooleanValue, FunctionValue, IntegerValue, StringValue, isNone, isSequence, isString, splitArguments } from "./jinja-values.js";
import { ChatTemplateError, pyTypeError } from "./python-errors.js";
import { pythonStr } from "./python-str.js";

const pythonWhitespace = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

export function pythonStrip(text: string, chars: string | null | undefined, left: boolean, right: boolean): string {
  const set = new Set(Array.from(chars ?? pythonWhitespace));
  const cps = Array.from(text);
  let start = 0;
  let end = cps.length;
  if (left) while (start < end && set.has(cps[start])) start++;
  if (right) while (end > start && set.has(cps[end - 1])) end--;
  return cps.slice(start, end).join("");
}

export function pythonCapitalize(text: string): string {
  const [first = "", ...rest] = Array.from(text);
  return first.toUpperCase() + rest.join("").toLowerCase();
}

/** str.splitlines(): Python's line boundaries, \r\n counted once. */
export function pythonSplitLines(text: string, keepEnds = false): string[] {
  const lines: string[] = [];
  const re = /\r\n|[\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const end = (m.index ?? 0) + m[0].length;
    lines.push(text.slice(last, keepEnds ? end : m.index));
    last = end;
  }
  if (last < text.length) lines.push(text.slice(last));
  return lines;
}

/** str.split(sep=None, maxsplit=-1): None splits on runs of whitespace and drops empty ends. */
function pythonSplit(text: string, sep: string | null, maxSplit: number): string[] {
  if (sep === "") throw new ChatTemplateError("ValueError", "empty separator");
  if (sep !== null) {
    const parts = text.split(sep);
    return maxSplit >= 0 && parts.length > maxSplit + 1 ? [...parts.slice(0, maxSplit), parts.slice(maxSplit).join(sep)] : parts;
  }
  const parts: string[] = [];
  const cps = Array.from(text);
  const space = new Set(Array.from(pythonWhitespace));
  let i = 0;
  while (i < cps.length) {
    while (i < cps.length && space.has(cps[i])) i++;
    if (i >= cps.length) break;
    if (maxSplit >= 0 && parts.length === maxSplit) {
      parts.push(cps.slice(i).join("")); // the rest, trailing whitespace included
      break;
    }
    let j = i;
    while (j < cps.length && !space.has(cps[j])) j++;
    parts.push(cps.slice(i, j).join(""));
    i = j;
  }
  return parts;
}

const codePointIndex = (text: string, utf16Index: number): number => (utf16Index < 0 ? -1 : Array.from(text.slice(0, utf16Index)).length);
const optionalString = (v: JinjaValue | undefined, method: string): string | null => {
  if (v === undefined || isNone(v)) return null;
  if (!isString(v)) throw pyTypeError(`${method} arg must be None or str`);
  return v.value;
};
const str = (s: string): JinjaValue => new StringValue(s);
const bool = (b: boolean): JinjaValue => new BooleanValue(b);
const int = (n: number): JinjaValue => new IntegerValue(n);
const test = (text: string, re: RegExp): JinjaValue => bool(text.length > 0 && re.test(text));

type StringMethod = (text: string, args: JinjaValue[], kwargs: Map<string, JinjaValue>) => JinjaValue;

function pad(text: string, args: JinjaValue[], side: "left" | "right" | "center"): JinjaValue {
  const [width, fill] = args;
  const fillChar = fill !== undefined && isString(fill) ? fill.value : " ";
  const n = (width?.value as number) - Array.from(text).length;
  if (!(n > 0)) return str(text);
  if (side === "right") return str(text + fillChar.repeat(n));
  if (side === "left") return str(fillChar.repeat(n) + text);
  const leftCount = Math.floor(n / 2) + (n & (width?.value as number) & 1); // CPython pad(): marg / 2 + (marg & width & 1)
  return str(fillChar.repeat(leftCount) + text + fillChar.repeat(n - leftCount));
}

export const pythonStringMethods = new Map<string, StringMethod>([
  ["strip", (t, [c]) => str(pythonStrip(t, optionalString(c, "strip"), true, true))],
  ["lstrip", (t, [c]) => str(pythonStrip(t, optionalString(c, "lstrip"), true, false))],
  ["rstrip", (t, [c]) => str(pythonStrip(t, optionalString(c, "rstrip"), false, true))],
  ["upper", (t) => str(t.toUpperCase())],
  ["lower", (t) => str(t.toLowerCase())],
  ["capitalize", (t) => str(pythonCapitalize(t))],
  ["swapcase", (t) => str(Array.from(t, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(""))],
  ["find", (t, [s]) => int(codePointIndex(t, t.indexOf(String(s.value))))],
  ["rfind", (t, [s]) => int(codePointIndex(t, t.lastIndexOf(String(s.value))))],
  ["index", (t, [s]) => {
    const i = t.indexOf(String(s.value));
    if (i < 0) throw new ChatTemplateError("ValueError", "substring not found");
    return int(codePointIndex(t, i));
  }],
  ["count", (t, [s]) => {
    const sub = String(s.value);
    return int(sub === "" ? Array.from(t).length + 1 : t.split(sub).length - 1);
  }],
  ["join", (t, [items]) => {
    if (isString(items)) return str(Array.from(items.value).join(t));
    if (!isSequence(items)) throw pyTypeError("can only join an iterable");
    return str(items.value.map((x) => {
      if (!isString(x)) throw pyTypeError(`sequence item: expected str instance, ${x.type} found`);
      return x.value;
    }).join(t));
  }],
  ["splitlines", (t, [keep]) => new ArrayValue(pythonSplitLines(t, keep?.value === true).map(str))],
  ["rsplit", (t, args, kwargs) => {
    // rsplit is split run from the right: split the reversed text with the reversed separator.
    const sep = optionalString(args[0] ?? kwargs.get("sep"), "rsplit");
    const maxArg = args[1] ?? kwargs.get("maxsplit");
    const reverse = (s: string): string => Array.from(s).reverse().join("");
    const parts = pythonSplit(reverse(t), sep === null ? null : reverse(sep), typeof maxArg?.value === "number" ? maxArg.value : -1);
    return new ArrayValue(parts.reverse().map((p) => str(reverse(p))));
  }],
  ["split", (t, args, kwargs) => {
    const sep = optionalString(args[0] ?? kwargs.get("sep"), "split");
    const maxArg = args[1] ?? kwargs.get("maxsplit");
    return new ArrayValue(pythonSplit(t, sep, typeof maxArg?.value === "number" ? maxArg.value : -1).map(str));
  }],
  ["title", (t) => str(Array.from(t).reduce((out, c, i, all) => {
    const previous = i > 0 ? all[i - 1] : "";
    const afterCased = previous.toLowerCase() !== previous.toUpperCase();
    return out + (afterCased ? c.toLowerCase() : c.toUpperCase());
  }, ""))],
  ["removeprefix", (t, [p]) => str(isString(p) && t.startsWith(p.value) ? t.slice(p.value.length) : t)],
  ["removesuffix", (t, [s]) => str(isString(s) && s.value !== "" && t.endsWith(s.value) ? t.slice(0, -s.value.length) : t)],
  ["isdigit", (t) => test(t, /^\p{Nd}+$/u)],
  ["isnumeric", (t) => test(t, /^\p{N}+$/u)],
  ["isalpha", (t) => test(t, /^\p{L}+$/u)],
  ["isalnum", (t) => test(t, /^[\p{L}\p{N}]+$/u)],
  ["isspace", (t) => bool(t.length > 0 && pythonStrip(t, null, true, true) === "")],
  ["islower", (t) => bool(t.toLowerCase() === t && t.toUpperCase() !== t)],
  ["isupper", (t) => bool(t.toUpperCase() === t && t.toLowerCase() !== t)],
  ["ljust", (t, args) => pad(t, args, "right")],
  ["rjust", (t, args) => pad(t, args, "left")],
  ["center", (t, args) => pad(t, args, "center")],
  ["zfill", (t, [w]) => {
    const n = (w.value as number) - Array.from(t).length;
    if (n <= 0) return str(t);
    const sign = t[0] === "-" || t[0] === "+" ? t[0] : "";
    return str(sign + "0".repeat(n) + t.slice(sign.length));
  }],
  ["format", (t, args, kwargs) => {
    let auto = 0;
    return str(t.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
      if (m === "{{") return "{";
      if (m === "}}") return "}";
      const key = field ?? "";
      const value = key === "" ? args[auto++] : /^\d+$/.test(key) ? args[Number(key)] : kwargs.get(key);
      if (value === undefined) throw pyTypeError(`format field ${key} has no value`);
      return pythonStr(value);
    }));
  }],
]);

/** Binds a str method to `text`, or undefined when Python's str has no such method we support. */
export function stringMethod(text: string, name: string): JinjaValue | undefined {
  const method = pythonStringMethods.get(name);
  if (method === undefined) return undefined;
  return new FunctionValue((args: JinjaValue[]) => {
    const [positional, kwargs] = splitArguments(args);
    return method(text, positional, kwargs);
  });
}
