// Python iteration over a template value: list items, str characters (code points), dict keys; Undefined is empty.
import type { JinjaValue } from "./jinja-values.js";
import { StringValue, isMapping, isSequence, isString, isUndefined } from "./jinja-values.js";
import { decodeKey } from "./dict-keys.js";
import { pyTypeError } from "./python-errors.js";
import { pythonTypeName } from "./python-equality.js";

export function pythonIterate(value: JinjaValue): JinjaValue[] {
  if (isSequence(value)) return value.value;
  if (isString(value)) return Array.from(value.value, (c) => new StringValue(c));
  if (isMapping(value)) return [...value.value.keys()].map(decodeKey);
  if (isUndefined(value)) return [];
  throw pyTypeError(`'${pythonTypeName(value)}' object is not iterable`);
}
