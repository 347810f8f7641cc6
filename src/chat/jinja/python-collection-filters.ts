// Jinja2's dictsort, min, max, sum and attr filters (jinja2/filters.py), which the library lacks or runs on string keys.
import type { JinjaFilter } from "./jinja-filter.js";
import type { JinjaValue } from "./jinja-values.js";
import { ArrayValue, FloatValue, IntegerValue, isFloat, isMapping, isNumber, isBoolean, isString, truthy } from "./jinja-values.js";
import { decodeKey } from "./dict-keys.js";
import { makeTuple } from "./generator-value.js";
import { pythonIterate } from "./python-iterate.js";
import { pyTypeError } from "./python-errors.js";
import { pythonCompare, pythonTypeName } from "./python-equality.js";
import { makeUndefined } from "./undefined-value.js";

const arg = (args: JinjaValue[], kwargs: Map<string, JinjaValue>, index: number, name: string): JinjaValue | undefined =>
  args[index] ?? kwargs.get(name);

/** Jinja2's ignore_case: strings compare lower-cased unless case_sensitive. */
function sortKey(caseSensitive: boolean): (v: JinjaValue) => JinjaValue {
  return (v) => (!caseSensitive && isString(v) ? { ...v, value: v.value.toLowerCase() } as JinjaValue : v);
}

function compareOrFail(a: JinjaValue, b: JinjaValue): number {
  const c = pythonCompare(a, b);
  if (c === undefined) throw pyTypeError(`'<' not supported between instances of '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`);
  return c;
}

const dictsort: JinjaFilter = (operand, args, kwargs) => {
  if (!isMapping(operand)) throw pyTypeError("You can only sort by either 'key' or 'value'");
  const caseSensitive = arg(args, kwargs, 0, "case_sensitive");
  const by = arg(args, kwargs, 1, "by");
  const reverse = arg(args, kwargs, 2, "reverse");
  const index = by !== undefined && by.value === "value" ? 1 : 0;
  if (by !== undefined && by.value !== "key" && by.value !== "value") throw new Error("You can only sort by either 'key' or 'value'");
  const key = sortKey(caseSensitive !== undefined && truthy(caseSensitive));
  const pairs = [...operand.value].map(([k, v]) => [decodeKey(k), v]);
  pairs.sort((a, b) => compareOrFail(key(a[index]), key(b[index])));
  if (reverse !== undefined && truthy(reverse)) pairs.reverse();
  return new ArrayValue(pairs.map(makeTuple));
};

function minMax(wantMax: boolean): JinjaFilter {
  return (operand, args, kwargs, ctx) => {
    const caseSensitive = arg(args, kwargs, 0, "case_sensitive");
    const attribute = arg(args, kwargs, 1, "attribute");
    const key = sortKey(caseSensitive !== undefined && truthy(caseSensitive));
    const get = (v: JinjaValue): JinjaValue => key(attribute === undefined ? v : ctx.getAttribute(v, String(attribute.value)));
    const items = pythonIterate(operand);
    if (items.length === 0) return makeUndefined(`No aggregated item, sequence was empty.`);
    return items.reduce((best, item) => {
      const c = compareOrFail(get(item), get(best));
      return (wantMax ? c > 0 : c < 0) ? item : best;
    });
  };
}

const sum: JinjaFilter = (operand, args, kwargs, ctx) => {
  const attribute = arg(args, kwargs, 0, "attribute");
  const start = arg(args, kwargs, 1, "start");
  let total = start === undefined ? 0 : Number(start.value);
  let float = start !== undefined && isFloat(start);
  for (const item of pythonIterate(operand)) {
    const v = attribute === undefined ? item : ctx.getAttribute(item, String(attribute.value));
    if (!isNumber(v) && !isBoolean(v)) throw pyTypeError(`unsupported operand type(s) for +: 'int' and '${pythonTypeName(v)}'`);
    total += Number(v.value);
    float ||= isFloat(v);
  }
  return float ? new FloatValue(total) : new IntegerValue(total);
};

export const collectionFilters = new Map<string, JinjaFilter>([
  ["dictsort", dictsort],
  ["min", minMax(false)],
  ["max", minMax(true)],
  ["sum", sum],
  // getattr only: a dict's keys are items, not attributes.
  ["attr", (operand, [name], _kwargs, ctx) =>
    isMapping(operand) ? makeUndefined(`'dict object' has no attribute '${String(name?.value)}'`) : ctx.getAttribute(operand, String(name?.value))],
]);
