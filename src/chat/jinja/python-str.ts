// Python's str() and repr() of template values: what Jinja2 prints for `{{ value }}`, `value|string` and `~`.
import type { JinjaValue } from "./jinja-values.js";
import { isBoolean, isFloat, isInteger, isMapping, isNamespace, isNone, isSequence, isString, isUndefined } from "./jinja-values.js";
import { decodeKey, isPlainKey } from "./dict-keys.js";
import { isGenerator, isTuple } from "./generator-value.js";

/** repr(float): shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16, else d.ddde±XX. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exponentText] = Math.abs(x).toExponential().split("e");
  const exponent = Number(exponentText);
  const digits = mantissa.replace(".", "");
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const integerPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  return `${sign}${integerPart}.${digits.slice(exponent + 1) || "0"}`;
}

/** repr(str): single quotes unless the text holds a ' and no ", control characters escaped. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

export function pythonRepr(value: JinjaValue): string {
  if (isString(value)) return pythonStringRepr(value.value);
  return pythonStr(value);
}

export function pythonStr(value: JinjaValue): string {
  if (isString(value)) return value.value;
  if (isBoolean(value)) return value.value ? "True" : "False";
  if (isInteger(value)) return String(value.value);
  if (isFloat(value)) return pythonFloatRepr(value.value);
  if (isNone(value)) return "None";
  if (isUndefined(value)) return "";
  if (isGenerator(value)) return "<generator object sync_do_map at 0x0>";
  if (isTuple(value) && isSequence(value)) return `(${value.value.map(pythonRepr).join(", ")}${value.value.length === 1 ? "," : ""})`;
  if (isSequence(value)) return `[${value.value.map(pythonRepr).join(", ")}]`;
  if (isMapping(value)) {
    const entries = [...value.value].map(([k, v]) => `${isPlainKey(k) ? pythonStringRepr(k) : pythonStr(decodeKey(k))}: ${pythonRepr(v)}`);
    return `{${entries.join(", ")}}`;
  }
  if (isNamespace(value)) {
    const entries = [...(value.value as Map<string, JinjaValue>)].map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`);
    return `<Namespace {${entries.join(", ")}}>`;
  }
  return "<function>";
}
