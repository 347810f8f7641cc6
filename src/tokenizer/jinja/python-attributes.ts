// Attribute and item lookup as Jinja2's sandbox does it (`obj.name` tries the attribute first, `obj[key]` the item):
// dict keys and the read-only dict/list/str methods; list/dict mutators are refused (jinja2/sandbox.py); anything
// missing is an Undefined that remembers what was missing.
import type { JinjaValue } from "./jinja-values.js";
import {
  FunctionValue, IntegerValue, StringValue, isInteger, isMapping, isNamespace, isNone, isSequence, isString, isUndefined,
} from "./jinja-values.js";
import { isGenerator } from "./generator-value.js";
import { ChatTemplateError } from "./python-errors.js";
import { pythonEquals, pythonTypeName } from "./python-equality.js";
import { pythonRepr, pythonStr } from "./python-str.js";
import { stringMethod } from "./python-string-methods.js";
import { makeUndefined, raiseUndefined } from "./undefined-value.js";

/** str methods the library implements as Python does; the others come from python-string-methods.ts. */
const libraryStringMethods = new Set(["split", "replace", "startswith", "endswith", "title"]);
const dictMethods = new Set(["get", "items", "keys", "values"]);
const mutatingMethods = new Set(["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "popitem", "setdefault"]);

const libraryBuiltin = (value: JinjaValue, name: string): JinjaValue | undefined =>
  (value as unknown as { builtins: ReadonlyMap<string, JinjaValue> }).builtins.get(name);

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
    return makeUndefined(name !== undefined ? `${owner} has no attribute '${name}'` : `${owner} has no element ${pythonStr(key)}`);
  };
  const unsafe = (owner: string): JinjaValue =>
    makeUndefined(`access to attribute '${name}' of '${owner}' object is unsafe.`, "SecurityError");

  if (isMapping(object)) {
    if (name === undefined) return missing();
    if (byDot && mutatingMethods.has(name)) return unsafe("dict");
    if (byDot && dictMethods.has(name)) return libraryBuiltin(object, name) ?? missing();
    return object.value.get(name) ?? (dictMethods.has(name) ? libraryBuiltin(object, name) : undefined) ?? missing();
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
