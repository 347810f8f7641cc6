// Jinja2 filters (jinja2/filters.py) whose @huggingface/jinja version differs from Jinja2 in what a chat template
// can observe, plus transformers' own `tojson`. Filters not listed here run as the library implements them.
import type { JinjaValue } from "./jinja-values.js";
import {
  ArrayValue, FloatValue, IntegerValue, StringValue, UndefinedValue, isBoolean, isInteger, isMapping, isNone, isNumber, isSequence,
  isString, isUndefined, truthy,
} from "./jinja-values.js";
import { collectionFilters } from "./python-collection-filters.js";
import { decodeKey } from "./dict-keys.js";
import { isGenerator, makeGenerator, makeTuple } from "./generator-value.js";
import { pythonIterate } from "./python-iterate.js";
import { textFilters } from "./python-text-filters.js";
import { escapeToMarkup, isMarkup, makeMarkup } from "./markup-value.js";
import { pyTypeError } from "./python-errors.js";
import { pythonJsonDumps } from "./python-json.js";
import { pythonStr } from "./python-str.js";
import { pythonCapitalize, pythonSplitLines, pythonStrip } from "./python-string-methods.js";
import { pythonTypeName } from "./python-equality.js";

import type { FilterContext, JinjaFilter } from "./jinja-filter.js";
export type { FilterContext, JinjaFilter } from "./jinja-filter.js";

/** Positional-or-keyword argument `index`/`name`, as Python binds them. */
const arg = (args: JinjaValue[], kwargs: Map<string, JinjaValue>, index: number, name: string): JinjaValue | undefined =>
  args[index] ?? kwargs.get(name);


function length(value: JinjaValue): number {
  if (isString(value)) return Array.from(value.value).length;
  if (isMapping(value)) return value.value.size;
  if (isSequence(value) && !isGenerator(value)) return value.value.length;
  if (isUndefined(value)) return 0;
  throw pyTypeError(`object of type '${pythonTypeName(value)}' has no len()`);
}

/** Jinja2's make_attrgetter: "a.b.0" looks up each part, integers as indices. */
function attributeGetter(ctx: FilterContext, path: JinjaValue | undefined): (item: JinjaValue) => JinjaValue {
  if (path === undefined) return (item) => item;
  if (isInteger(path)) return (item) => ctx.getAttribute(item, String(path.value));
  const parts = String(path.value).split(".");
  return (item) => parts.reduce((v, part) => ctx.getAttribute(v, part), item);
}

/** select/reject/selectattr/rejectattr: Jinja2 yields nothing from a falsy operand instead of failing. */
function selectOrReject(select: boolean, byAttribute: boolean): JinjaFilter {
  return (operand, args, _kwargs, ctx) => {
    if (!truthy(operand)) return makeGenerator([]);
    const getter = byAttribute ? attributeGetter(ctx, args[0]) : (item: JinjaValue) => item;
    const rest = byAttribute ? args.slice(1) : args;
    let check: (item: JinjaValue) => boolean;
    if (rest.length === 0) check = truthy;
    else {
      const test = ctx.test(String(rest[0].value));
      const testArgs = rest.slice(1);
      check = (item) => test(item, testArgs);
    }
    return makeGenerator(pythonIterate(operand).filter((item) => check(getter(item)) === select));
  };
}

const map: JinjaFilter = (operand, args, kwargs, ctx) => {
  if (!truthy(operand)) return makeGenerator([]);
  const items = pythonIterate(operand);
  const attribute = kwargs.get("attribute");
  if (attribute !== undefined) {
    const getter = attributeGetter(ctx, attribute);
    const fallback = kwargs.get("default");
    return makeGenerator(items.map((item) => {
      const v = getter(item);
      return isUndefined(v) && fallback !== undefined ? fallback : v;
    }));
  }
  const [name, ...rest] = args;
  if (name === undefined) return makeGenerator(items);
  return makeGenerator(items.map((item) => ctx.applyFilter(item, String(name.value), rest, kwargs)));
};

function tojson(operand: JinjaValue, args: JinjaValue[], kwargs: Map<string, JinjaValue>): JinjaValue {
  const ensureAscii = arg(args, kwargs, 0, "ensure_ascii");
  const indent = arg(args, kwargs, 1, "indent");
  const separators = arg(args, kwargs, 2, "separators");
  const sortKeys = arg(args, kwargs, 3, "sort_keys");
  return new StringValue(pythonJsonDumps(operand, {
    ensureAscii: ensureAscii !== undefined && truthy(ensureAscii),
    indent: indent === undefined || isNone(indent) ? null : isString(indent) ? indent.value : Number(indent.value),
    separators: separators !== undefined && isSequence(separators)
      ? [pythonStr(separators.value[0]), pythonStr(separators.value[1])]
      : null,
    sortKeys: sortKeys !== undefined && truthy(sortKeys),
  }));
}

function indent(operand: JinjaValue, args: JinjaValue[], kwargs: Map<string, JinjaValue>): JinjaValue {
  const width = arg(args, kwargs, 0, "width");
  const first = arg(args, kwargs, 1, "first");
  const blank = arg(args, kwargs, 2, "blank");
  const unit = width === undefined ? "    " : isString(width) ? width.value : " ".repeat(Number(width.value));
  // Jinja2 appends "\n" before splitlines() so that a trailing newline survives (filters.py do_indent).
  const lines = pythonSplitLines(pythonStr(operand) + "\n");
  let out: string;
  if (blank !== undefined && truthy(blank)) out = lines.join("\n" + unit);
  else out = [lines[0], ...lines.slice(1).map((line) => (line ? unit + line : line))].join("\n");
  return new StringValue(first !== undefined && truthy(first) ? unit + out : out);
}

export const pythonFilters = new Map<string, JinjaFilter>([
  ["tojson", tojson],
  ["string", (v) => (isString(v) ? v : new StringValue(pythonStr(v)))],
  ["safe", (v) => (isMarkup(v) ? v : makeMarkup(pythonStr(v)))],
  ["escape", (v) => escapeToMarkup(v, pythonStr(v))],
  ["e", (v) => escapeToMarkup(v, pythonStr(v))],
  ["length", (v) => new IntegerValue(length(v))],
  ["count", (v) => new IntegerValue(length(v))],
  ["list", (v) => new ArrayValue(pythonIterate(v).slice())],
  ["first", (v) => pythonIterate(v)[0] ?? new UndefinedValue(undefined)],
  ["last", (v) => {
    if (isGenerator(v)) throw pyTypeError("'generator' object is not reversible");
    return pythonIterate(v).at(-1) ?? new UndefinedValue(undefined);
  }],
  ["join", (v, args, kwargs, ctx) => {
    const separator = arg(args, kwargs, 0, "d");
    const attribute = arg(args, kwargs, 1, "attribute");
    const getter = attributeGetter(ctx, attribute);
    const parts = pythonIterate(v).map((item) => pythonStr(getter(item)));
    return new StringValue(parts.join(separator === undefined ? "" : pythonStr(separator)));
  }],
  ["map", map],
  ["select", selectOrReject(true, false)],
  ["reject", selectOrReject(false, false)],
  ["selectattr", selectOrReject(true, true)],
  ["rejectattr", selectOrReject(false, true)],
  ["reverse", (v) => {
    if (isString(v)) return new StringValue(Array.from(v.value).reverse().join(""));
    // reversed(list) is an iterator in Jinja2; a generator has none, so do_reverse builds a reversed list.
    const reversed = pythonIterate(v).slice().reverse();
    return isGenerator(v) ? new ArrayValue(reversed) : makeGenerator(reversed, isMapping(v) ? "dict_reversekeyiterator" : "list_reverseiterator");
  }],
  ["items", (v) => {
    if (isUndefined(v)) return makeGenerator([]);
    if (!isMapping(v)) throw pyTypeError("Can only get item pairs from a mapping.");
    return makeGenerator([...v.value].map(([k, item]) => makeTuple([decodeKey(k), item])));
  }],
  ["trim", (v, args, kwargs) => {
    const chars = arg(args, kwargs, 0, "chars");
    return new StringValue(pythonStrip(pythonStr(v), chars === undefined || isNone(chars) ? null : pythonStr(chars), true, true));
  }],
  ["capitalize", (v) => new StringValue(pythonCapitalize(pythonStr(v)))],
  ["upper", (v) => new StringValue(pythonStr(v).toUpperCase())],
  ["lower", (v) => new StringValue(pythonStr(v).toLowerCase())],
  ["indent", indent],
  ["default", (v, args, kwargs) => {
    const fallback = arg(args, kwargs, 0, "default_value") ?? new StringValue("");
    const boolean = arg(args, kwargs, 1, "boolean");
    const useFallback = isUndefined(v) || (boolean !== undefined && truthy(boolean) && !truthy(v));
    return useFallback ? fallback : v;
  }],
  ["abs", (v) => {
    if (isBoolean(v)) return new IntegerValue(v.value ? 1 : 0);
    if (!isNumber(v)) throw pyTypeError(`bad operand type for abs(): '${pythonTypeName(v)}'`);
    const magnitude = Math.abs(v.value);
    return isInteger(v) ? new IntegerValue(magnitude) : new FloatValue(magnitude);
  }],
]);
pythonFilters.set("d", pythonFilters.get("default") as JinjaFilter);
for (const [name, filter] of [...collectionFilters, ...textFilters]) pythonFilters.set(name, filter);

/** Every filter Jinja2 3.1 defines (jinja2/filters.py FILTERS) plus transformers' tojson: every other name raises. */
export const jinja2FilterNames = new Set([
  "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "filesizeformat",
  "first", "float", "forceescape", "format", "groupby", "indent", "int", "items", "join", "last", "length", "list",
  "lower", "map", "max", "min", "pprint", "random", "reject", "rejectattr", "replace", "reverse", "round", "safe",
  "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate",
  "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr",
]);
