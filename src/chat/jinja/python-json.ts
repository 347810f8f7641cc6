// json.dumps exactly as transformers' `tojson` filter calls it:
// json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) unless the template says otherwise.
import type { JinjaValue } from "./jinja-values.js";
import { isBoolean, isFloat, isInteger, isMapping, isNamespace, isNone, isSequence, isString, isUndefined } from "./jinja-values.js";
import { jsonKey } from "./dict-keys.js";
import { generatorType, isGenerator } from "./generator-value.js";
import { pyTypeError } from "./python-errors.js";
import { pythonFloatRepr } from "./python-str.js";

export interface PythonJsonOptions {
  ensureAscii?: boolean;
  /** A number of spaces or the indent string itself; null/undefined for a single line. */
  indent?: number | string | null;
  /** [itemSeparator, keySeparator]; Python's default is [", ", ": "], or [",", ": "] with an indent. */
  separators?: [string, string] | null;
  sortKeys?: boolean;
}

const shortEscapes: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

/** Python's JSON string encoder: control characters always escaped; with ensureAscii every UTF-16 unit past '~'. */
export function pythonJsonString(text: string, ensureAscii: boolean): string {
  const pattern = ensureAscii ? /["\\]|[^ -~]/g : /["\\\x00-\x1f]/g;
  const escaped = text.replace(pattern, (ch) => shortEscapes[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${escaped}"`;
}

function pythonJsonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  return pythonFloatRepr(x);
}

function compareCodePoints(a: string, b: string): number {
  const ca = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const cb = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i] - cb[i];
  return ca.length - cb.length;
}

function typeName(value: JinjaValue): string {
  const iterator = generatorType(value);
  if (iterator !== undefined) return iterator;
  if (isUndefined(value)) return "Undefined";
  if (isNamespace(value)) return "Namespace";
  return "function";
}

export function pythonJsonDumps(value: JinjaValue, options: PythonJsonOptions = {}): string {
  const ensureAscii = options.ensureAscii ?? false;
  const indentUnit = typeof options.indent === "number" ? " ".repeat(options.indent) : options.indent;
  const [itemSeparator, keySeparator] = options.separators ?? (indentUnit == null ? [", ", ": "] : [",", ": "]);

  const encode = (v: JinjaValue, depth: number): string => {
    if (isString(v)) return pythonJsonString(v.value, ensureAscii);
    if (isNone(v)) return "null";
    if (isBoolean(v)) return v.value ? "true" : "false";
    if (isInteger(v)) return String(v.value);
    if (isFloat(v)) return pythonJsonFloat(v.value);
    let open: string, close: string, parts: string[];
    if (isSequence(v) && !isGenerator(v)) {
      [open, close] = ["[", "]"];
      parts = v.value.map((item) => encode(item, depth + 1));
    } else if (isMapping(v)) {
      [open, close] = ["{", "}"];
      let entries = [...v.value];
      if (options.sortKeys) entries = entries.sort(([a], [b]) => compareCodePoints(a, b));
      parts = entries.map(([k, item]) => `${pythonJsonString(jsonKey(k), ensureAscii)}${keySeparator}${encode(item, depth + 1)}`);
    } else {
      throw pyTypeError(`Object of type ${typeName(v)} is not JSON serializable`);
    }
    if (parts.length === 0) return open + close;
    if (indentUnit == null) return open + parts.join(itemSeparator) + close;
    const inner = "\n" + indentUnit.repeat(depth + 1);
    return open + inner + parts.join(itemSeparator + inner) + "\n" + indentUnit.repeat(depth) + close;
  };
  return encode(value, 0);
}
