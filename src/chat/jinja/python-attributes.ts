// Attribute and item lookup as Jinja2's sandbox does it (`obj.name` tries the attribute first, `obj[key]` the item):
// dict keys and the read-only dict/list/str methods; list/dict mutators are refused (jinja2/sandbox.py); anything
// missing is an Undefined that remembers what was missing.
import type { JinjaObject, JinjaValue } from "./jinja-values.js";
import {
  ArrayValue, FunctionValue, IntegerValue, NullValue, StringValue, isInteger, isMapping, isNamespace, isNone, isSequence, isString, isUndefined,
} from "./jinja-values.js";
import { decodeKey, encodeKey } from "./dict-keys.js";
import { isGenerator, makeTuple } from "./generator-value.js";
import { ChatTemplateError } from "./python-errors.js";
import { pythonEquals, pythonTypeName } from "./python-equality.js";
import { pythonRepr } from "./python-str.js";
import { stringMethod } from "./python-string-methods.js";
import { makeUndefined, raiseUndefined } from "./undefined-value.js";

/** str methods the library implements as Python does; the others come from python-string-methods.ts. */
const libraryStringMethods = new Set(["replace", "startswith", "endswith"]);
const mutatingMethods = new Set(["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "popitem", "setdefault"]);

const libraryBuiltin = (value: JinjaValue, name: string): JinjaValue | undefined =>
  (value as unknown as { builtins: ReadonlyMap<string, JinjaValue> }).builtins.get(name);

/** dict.get/items/keys/values, with keys decoded (dict-keys.ts). */
function dictMethod(dict: JinjaObject, name: string): JinjaValue | undefined {
  switch (name) {
    case "get":
      return new FunctionValue(([key, fallback]) => dict.value.get(encodeKey(key)) ?? fallback ?? new NullValue(null));
    case "items":
      return new FunctionValue(() => new ArrayValue([...dict.value].map(([k, v]) => makeTuple([decodeKey(k), v]))));
    case "keys":
      return new FunctionValue(() => new ArrayValue([...dict.value.keys()].map(decodeKey)));
    case "values":
      return new FunctionValue(() => new ArrayValue([...dict.value.values()]));
    default:
      return undefined;
  }
}

/** list.index / list.count, the read-only list methods. */
function listMethod(items: JinjaValue[], name: string): JinjaValue | undefined {
  if (name === "count") return new FunctionValue(([x]) => new IntegerValue(items.filter((item) => pythonEquals(item, x)).length));
  if (name !== "index") return undefined;
  return new FunctionValue(([x]) => {
    const i = items.findIndex((item) => pythonEquals(item, x));
    if (i < 0) throw new ChatTemplateError("ValueError", `${pythonRepr(x)} is not in list`);
    return new IntegerValue(i);
  });
}

export function pythonGetAttribute(object: JinjaValue, key: JinjaValue, byDot: boolean): JinjaValue {
  if (isUndefined(object)) return raiseUndefined(object);
  const name = isString(key) ? key.value : undefined;
  const missing = (): JinjaValue => {
    const owner = isNone(object) ? "'None'" : `'${pythonTypeName(object)} object'`;
    // jinja2.runtime.Undefined._undefined_message: the owner is quoted for attributes only.
    if (name !== undefined) return makeUndefined(`${owner} has no attribute '${name}'`);
    return makeUndefined(`${owner.slice(1, -1)} has no element ${pythonRepr(key)}`);
  };
  const unsafe = (owner: string): JinjaValue =>
    makeUndefined(`access to attribute '${name}' of '${owner}' object is unsafe.`, "SecurityError");

  if (isMapping(object)) {
    if (name !== undefined && byDot && mutatingMethods.has(name)) return unsafe("dict");
    if (name !== undefined && byDot) return dictMethod(object, name) ?? object.value.get(name) ?? missing();
    let found: JinjaValue | undefined;
    try {
      found = object.value.get(encodeKey(key));
    } catch {
      found = undefined; // an unhashable key: Jinja2's getitem catches the TypeError and tries the attribute
    }
    return found ?? (name !== undefined ? dictMethod(object, name) : undefined) ?? missing();
  }
  if (isNamespace(object)) return (name !== undefined ? (object.value as Map<string, JinjaValue>).get(name) : undefined) ?? missing();
  if (isSequence(object) && !isGenerator(object)) {
    if (name !== undefined) return listMethod(object.value, name) ?? (mutatingMethods.has(name) ? unsafe("list") : missing());
    return isInteger(key) ? (object.value.at(key.value) ?? missing()) : missing();
  }
  if (isString(object)) {
    if (isInteger(key)) {
      const ch = Array.from(object.value).at(key.value);
      return ch === undefined ? missing() : new StringValue(ch);
    }
    if (name === undefined) return missing();
    return stringMethod(object.value, name) ?? (libraryStringMethods.has(name) ? libraryBuiltin(object, name) : undefined) ?? missing();
  }
  return missing();
}
