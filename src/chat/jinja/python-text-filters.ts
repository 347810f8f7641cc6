// Jinja2's text filters the library lacks or renders differently: title, center, wordcount, format, round.
import type { JinjaFilter } from "./jinja-filter.js";
import type { JinjaValue } from "./jinja-values.js";
import { ArrayValue, FloatValue, IntegerValue, ObjectValue, StringValue, isBoolean, isNumber } from "./jinja-values.js";
import { pyTypeError } from "./python-errors.js";
import { pythonPrintf } from "./python-printf.js";
import { pythonStr } from "./python-str.js";
import { pythonStringMethods } from "./python-string-methods.js";

/** do_title: each word (split at runs of "-", whitespace or opening brackets) capitalized, the rest lower-cased. */
function title(text: string): string {
  return text
    .split(/([-\s({[<]+)/u)
    .filter((part) => part !== "")
    .map((part) => {
      const [first = "", ...rest] = Array.from(part);
      return first.toUpperCase() + rest.join("").toLowerCase();
    })
    .join("");
}

/** Python's round(): halves go to the even neighbour; Jinja2's round filter: common (half away from zero), ceil, floor. */
function round(value: number, precision: number, method: string): number {
  const scale = 10 ** precision;
  const scaled = value * scale;
  if (method === "ceil") return Math.ceil(scaled) / scale;
  if (method === "floor") return Math.floor(scaled) / scale;
  // Python's round() on the float, as filters.do_round calls it for "common".
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  const rounded = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  return rounded / scale;
}

const center: JinjaFilter = (operand, args, kwargs) => {
  const method = pythonStringMethods.get("center");
  const width = args[0] ?? kwargs.get("width") ?? new IntegerValue(80);
  return method ? method(pythonStr(operand), [width], new Map()) : operand;
};

export const textFilters = new Map<string, JinjaFilter>([
  ["title", (v) => new StringValue(title(pythonStr(v)))],
  ["center", center],
  ["wordcount", (v) => new IntegerValue((pythonStr(v).match(/\w+/gu) ?? []).length)],
  ["format", (v, args, kwargs) => {
    const values: JinjaValue = kwargs.size > 0 ? new ObjectValue(kwargs) : new ArrayValue(args);
    return new StringValue(pythonPrintf(pythonStr(v), values));
  }],
  ["round", (v, args, kwargs) => {
    if (!isNumber(v) && !isBoolean(v)) throw pyTypeError(`type ${v.type} doesn't define __round__ method`);
    const precision = Number((args[0] ?? kwargs.get("precision"))?.value ?? 0);
    const method = String((args[1] ?? kwargs.get("method"))?.value ?? "common");
    return new FloatValue(round(Number(v.value), precision, method));
  }],
]);
