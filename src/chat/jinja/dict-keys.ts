// Python dicts may have non-string keys ({0: 0, 512: 128} in ByteDance Seed-OSS); the library's dicts are
// Map<string, value>. A non-string key is stored under a tagged string and decoded wherever keys are seen.
// Numbers share one tag, so that 1, 1.0 and True are the same key, as they hash alike in Python.
import type { JinjaValue } from "./jinja-values.js";
import { FloatValue, IntegerValue, NullValue, StringValue, isBoolean, isNone, isNumber, isString } from "./jinja-values.js";
import { pyTypeError } from "./python-errors.js";
import { pythonTypeName } from "./python-equality.js";

const numberTag = "\u0000py-number:";
const noneTag = "\u0000py-none";

/** The Map key for a Python dict key; TypeError for unhashable ones (lists, dicts). */
export function encodeKey(key: JinjaValue): string {
  if (isString(key)) return key.value;
  if (isNumber(key)) return numberTag + String(key.value);
  if (isBoolean(key)) return numberTag + (key.value ? "1" : "0");
  if (isNone(key)) return noneTag;
  throw pyTypeError(`unhashable type: '${pythonTypeName(key)}'`);
}

export function decodeKey(key: string): JinjaValue {
  if (key === noneTag) return new NullValue(null);
  if (!key.startsWith(numberTag)) return new StringValue(key);
  const n = Number(key.slice(numberTag.length));
  return Number.isInteger(n) ? new IntegerValue(n) : new FloatValue(n);
}

/** json.dumps turns non-string keys into strings: 1 → "1", True → "true", None → "null". */
export function jsonKey(key: string): string {
  if (key === noneTag) return "null";
  return key.startsWith(numberTag) ? key.slice(numberTag.length) : key;
}

export const isPlainKey = (key: string): boolean => !key.startsWith("\u0000py-");
