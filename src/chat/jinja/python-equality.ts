// Python's == and ordering over template values (the library compares with JavaScript's loose ==).
import type { JinjaValue } from "./jinja-values.js";
import { isBoolean, isMapping, isNone, isNumber, isSequence, isString, isUndefined } from "./jinja-values.js";
import { generatorType, isGenerator } from "./generator-value.js";

function numeric(v: JinjaValue): number | undefined {
  if (isNumber(v)) return v.value;
  if (isBoolean(v)) return v.value ? 1 : 0;
  return undefined;
}

export function pythonEquals(a: JinjaValue, b: JinjaValue): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na === nb;
  if (isString(a) || isString(b)) return isString(a) && isString(b) && a.value === b.value;
  if (isNone(a) || isNone(b)) return isNone(a) && isNone(b);
  if (isUndefined(a) || isUndefined(b)) return isUndefined(a) && isUndefined(b);
  if (isGenerator(a) || isGenerator(b)) return a === b;
  if (isSequence(a) && isSequence(b)) {
    return a.value.length === b.value.length && a.value.every((item, i) => pythonEquals(item, b.value[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    if (a.value.size !== b.value.size) return false;
    for (const [key, item] of a.value) {
      const other = b.value.get(key);
      if (other === undefined || !pythonEquals(item, other)) return false;
    }
    return true;
  }
  return a === b;
}

function codePointCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

/** a <=> b as Python orders them, or undefined where Python raises TypeError ('<' not supported…). */
export function pythonCompare(a: JinjaValue, b: JinjaValue): number | undefined {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
  if (isString(a) && isString(b)) return codePointCompare(a.value, b.value);
  if (isSequence(a) && isSequence(b) && !isGenerator(a) && !isGenerator(b)) {
    for (let i = 0; i < Math.min(a.value.length, b.value.length); i++) {
      if (pythonEquals(a.value[i], b.value[i])) continue;
      return pythonCompare(a.value[i], b.value[i]);
    }
    return a.value.length - b.value.length;
  }
  return undefined;
}

export function pythonTypeName(v: JinjaValue): string {
  if (isString(v)) return "str";
  if (isBoolean(v)) return "bool";
  if (v.type === "IntegerValue") return "int";
  if (v.type === "FloatValue") return "float";
  if (isNone(v)) return "NoneType";
  if (isUndefined(v)) return "Undefined";
  const iterator = generatorType(v);
  if (iterator !== undefined) return iterator;
  if (isSequence(v)) return "list";
  if (isMapping(v)) return "dict";
  if (v.type === "NamespaceValue") return "Namespace";
  return "function";
}
