// Jinja2's built-in tests (jinja2/tests.py), with Python's type rules: bool is a number, Undefined is iterable.
import type { JinjaValue } from "./jinja-values.js";
import {
  isBoolean, isFloat, isFunction, isInteger, isMapping, isNone, isNumber, isSequence, isString, isUndefined,
} from "./jinja-values.js";
import { encodeKey } from "./dict-keys.js";
import { isGenerator } from "./generator-value.js";
import { pythonCompare, pythonEquals } from "./python-equality.js";
import { pythonStr } from "./python-str.js";
import { pyTypeError } from "./python-errors.js";

export type JinjaTest = (value: JinjaValue, args: JinjaValue[]) => boolean;

function contains(container: JinjaValue, item: JinjaValue): boolean {
  if (isString(container)) {
    if (!isString(item)) throw pyTypeError(`'in <string>' requires string as left operand, not ${item.type}`);
    return container.value.includes(item.value);
  }
  if (isMapping(container)) return container.value.has(encodeKey(item));
  if (isSequence(container)) return container.value.some((x) => pythonEquals(x, item));
  if (isUndefined(container)) return false;
  throw pyTypeError(`argument of type '${isNone(container) ? "NoneType" : container.type}' is not iterable`);
}

export { contains as pythonContains };

function ordered(op: (c: number) => boolean): JinjaTest {
  return (value, [other]) => {
    const c = pythonCompare(value, other);
    if (c === undefined) throw pyTypeError("'<' not supported between these types");
    return op(c);
  };
}

const isText = (v: JinjaValue): boolean => isString(v);

export const pythonTests = new Map<string, JinjaTest>([
  ["defined", (v) => !isUndefined(v)],
  ["undefined", (v) => isUndefined(v)],
  ["none", (v) => isNone(v)],
  ["boolean", (v) => isBoolean(v)],
  ["false", (v) => isBoolean(v) && !v.value],
  ["true", (v) => isBoolean(v) && v.value],
  ["integer", (v) => isInteger(v)],
  ["float", (v) => isFloat(v)],
  ["number", (v) => isNumber(v) || isBoolean(v)],
  ["string", isText],
  ["mapping", (v) => isMapping(v)],
  ["iterable", (v) => isString(v) || isSequence(v) || isMapping(v) || isUndefined(v)],
  ["sequence", (v) => isString(v) || (isSequence(v) && !isGenerator(v)) || isMapping(v) || isUndefined(v)],
  ["callable", (v) => isFunction(v)],
  ["odd", (v) => isInteger(v) && Math.abs(v.value % 2) === 1],
  ["even", (v) => isInteger(v) && v.value % 2 === 0],
  ["divisibleby", (v, [n]) => isNumber(v) && isNumber(n) && v.value % n.value === 0],
  ["lower", (v) => { const s = pythonStr(v); return s.toLowerCase() === s && s.toUpperCase() !== s; }],
  ["upper", (v) => { const s = pythonStr(v); return s.toUpperCase() === s && s.toLowerCase() !== s; }],
  ["eq", (v, [other]) => pythonEquals(v, other)],
  ["equalto", (v, [other]) => pythonEquals(v, other)],
  ["==", (v, [other]) => pythonEquals(v, other)],
  ["ne", (v, [other]) => !pythonEquals(v, other)],
  ["!=", (v, [other]) => !pythonEquals(v, other)],
  ["lt", ordered((c) => c < 0)],
  ["lessthan", ordered((c) => c < 0)],
  ["<", ordered((c) => c < 0)],
  ["le", ordered((c) => c <= 0)],
  ["<=", ordered((c) => c <= 0)],
  ["gt", ordered((c) => c > 0)],
  ["greaterthan", ordered((c) => c > 0)],
  [">", ordered((c) => c > 0)],
  ["ge", ordered((c) => c >= 0)],
  [">=", ordered((c) => c >= 0)],
  ["in", (v, [container]) => contains(container, v)],
  ["sameas", (v, [other]) => v === other || (isNone(v) && isNone(other)) || (isBoolean(v) && isBoolean(other) && v.value === other.value)],
  ["escaped", () => false],
]);
