import { InputError } from "../errors.js";

// The JSON Schema keywords whose constraint reaches the output (xgrammar 0.1.27 enforces them; checked by
// tests/grammar/xgrammar-keywords.test.ts) and the annotations that constrain nothing.
const CONSTRAINTS = new Set(["type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "$ref", "$defs", "definitions", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]);
const ANNOTATIONS = new Set(["title", "description", "default", "examples", "$schema", "$id", "$comment"]);
const TYPES = new Set(["object", "array", "string", "integer", "number", "boolean", "null"]);
const FORMATS = new Set(["date", "time", "date-time", "uuid", "email"]);
const BOUNDS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] as const;
/** xgrammar 0.1.27 lets through integers outside some ranges (maximum 120 accepts 121..129; minimum 5 alone accepts 1): bounded integers become an enum of their values, up to this many. */
export const MAX_INTEGER_RANGE = 1024;
const MAX_DEPTH = 64;
/**
 * The string formats as patterns of RFC 3339 (§5.6) and RFC 5321: xgrammar 0.1.27's own rules let through
 * "2024-02-30" and minute 60, and repeat an email's local part without bound (a small model that never writes "@"
 * fills max_tokens with it). Each pattern is a subset of its format: February has 28 days, no leap second, at most 6
 * fraction digits; an email is a dot-atom of ≤ 33 characters "@" 2–3 letter-or-digit labels of ≤ 16. Email bounds are
 * kept small on purpose: each bounded repetition costs compile time (RFC 5321's 64/63 limits take 6.4 s to compile on
 * a 128k vocabulary, these 0.9 s; bench/results/grammar-mask.md).
 */
const DATE = "[0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))";
const TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
export const FORMAT_PATTERNS: Readonly<Record<string, string>> = {
  date: `^${DATE}$`,
  time: `^${TIME}$`,
  "date-time": `^${DATE}T${TIME}$`,
  email: `^${ATOM}{1,16}(\\.${ATOM}{1,16})?@[A-Za-z0-9]{1,16}(\\.[A-Za-z0-9]{1,16}){1,2}$`,
};
const MAX_NODES = 10_000;

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks a JSON Schema before xgrammar sees it (xgrammar ignores keywords it does not know, and aborts on some
 * malformed input) and returns the schema to compile: a copy in which bounded integers are enums. Throws an
 * InputError naming the keyword and its JSON pointer (e.g. `#/properties/age/not`) for anything it would not enforce.
 */
export function checkJsonSchema(schema: unknown, where: string): unknown {
  const checker = new SchemaChecker(schema, where);
  if (!isObj(schema) && typeof schema !== "boolean") throw new InputError(`${where}: the schema must be an object, got ${describe(schema)}`);
  if (schema === false) throw new InputError(`${where}: the schema false accepts no value`);
  return checker.walk(schema, "#", 0);
}

class SchemaChecker {
  private nodes = 0;

  constructor(
    private readonly root: unknown,
    private readonly where: string,
  ) {}

  private fail(path: string, message: string): never {
    throw new InputError(`${this.where}: ${path}: ${message}`);
  }

  walk(node: unknown, path: string, depth: number): unknown {
    if (++this.nodes > MAX_NODES) this.fail(path, `the schema has more than ${MAX_NODES} subschemas`);
    if (depth > MAX_DEPTH) this.fail(path, `the schema nests deeper than ${MAX_DEPTH} levels`);
    if (typeof node === "boolean") return node;
    if (!isObj(node)) this.fail(path, `a subschema must be an object or a boolean, got ${describe(node)}`);
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      const at = `${path}/${escapePointer(key)}`;
      if (ANNOTATIONS.has(key)) {
        out[key] = value;
        continue;
      }
      if (!CONSTRAINTS.has(key)) this.fail(at, `the keyword "${key.slice(0, 64)}" is not supported (supported: ${[...CONSTRAINTS].join(", ")})`);
      out[key] = this.keyword(node, key, value, at, depth);
    }
    this.checkCombinations(node, path);
    const formatPattern = typeof out["format"] === "string" ? FORMAT_PATTERNS[out["format"]] : undefined;
    if (formatPattern !== undefined) {
      delete out["format"];
      out["pattern"] = formatPattern;
    }
    return rewriteIntegerBounds(out, (m) => this.fail(path, m));
  }

  private keyword(node: Json, key: string, value: unknown, at: string, depth: number): unknown {
    const sub = (v: unknown, p: string): unknown => this.walk(v, p, depth + 1);
    switch (key) {
      case "type": {
        const list = Array.isArray(value) ? value : [value];
        if (list.length === 0 || !list.every((t) => typeof t === "string" && TYPES.has(t))) this.fail(at, `expected one of ${[...TYPES].join(", ")} or a non-empty array of them, got ${JSON.stringify(value)?.slice(0, 100)}`);
        return value;
      }
      case "properties":
      case "$defs":
      case "definitions": {
        if (!isObj(value)) this.fail(at, `expected an object of subschemas, got ${describe(value)}`);
        const o: Json = {};
        for (const [k, v] of Object.entries(value)) o[k] = sub(v, `${at}/${escapePointer(k)}`);
        return o;
      }
      case "required":
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) this.fail(at, "expected an array of property names");
        for (const name of value as string[]) {
          const props = node["properties"];
          if (!isObj(props) || !(name in props)) this.fail(at, `"${name.slice(0, 64)}" is required but not in properties (extra properties are never generated)`);
        }
        return value;
      case "additionalProperties":
      case "items":
        if (Array.isArray(value)) this.fail(at, key === "items" ? "an array of schemas is draft-04 tuple syntax: use prefixItems" : "expected a schema or a boolean");
        return sub(value, at);
      case "prefixItems":
      case "anyOf":
      case "oneOf":
        if (!Array.isArray(value) || value.length === 0) this.fail(at, `expected a non-empty array of subschemas, got ${describe(value)}`);
        return value.map((v, i) => sub(v, `${at}/${i}`));
      case "enum":
        if (!Array.isArray(value) || value.length === 0) this.fail(at, `expected a non-empty array, got ${describe(value)}`);
        return value;
      case "const":
        return value;
      case "$ref":
        if (typeof value !== "string") this.fail(at, `expected a string, got ${describe(value)}`);
        this.resolveRef(value, at);
        for (const k of Object.keys(node)) if (k !== "$ref" && CONSTRAINTS.has(k) && k !== "$defs" && k !== "definitions") this.fail(at, `"${k}" beside $ref is not supported: move it into the referenced schema`);
        return value;
      case "minItems":
      case "maxItems":
      case "minLength":
      case "maxLength":
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) this.fail(at, `expected an integer ≥ 0, got ${JSON.stringify(value)?.slice(0, 100)}`);
        return value;
      case "pattern":
        if (typeof value !== "string") this.fail(at, `expected a string, got ${describe(value)}`);
        try {
          new RegExp(value, "u");
        } catch (err) {
          this.fail(at, `not a valid regular expression: ${(err as Error).message}`);
        }
        return value;
      case "format":
        if (typeof value !== "string" || !FORMATS.has(value)) this.fail(at, `the format ${JSON.stringify(value)?.slice(0, 64)} is not supported (supported: ${[...FORMATS].join(", ")})`);
        return value;
      default: // the numeric bounds
        if (typeof value !== "number" || !Number.isFinite(value)) this.fail(at, `expected a number, got ${describe(value)}`);
        return value;
    }
  }

  private checkCombinations(node: Json, path: string): void {
    const pair = (lo: string, hi: string): void => {
      const a = node[lo];
      const b = node[hi];
      if (typeof a === "number" && typeof b === "number" && a > b) this.fail(path, `${lo} (${a}) is greater than ${hi} (${b})`);
    };
    pair("minItems", "maxItems");
    pair("minLength", "maxLength");
    pair("minimum", "maximum");
    // xgrammar 0.1.27 ignores minLength/maxLength/format beside a pattern (it says so on stderr).
    if (node["pattern"] !== undefined)
      for (const k of ["minLength", "maxLength", "format"]) if (node[k] !== undefined) this.fail(path, `"${k}" together with "pattern" is not supported: put the length or format into the pattern`);
    if (node["format"] !== undefined && (node["minLength"] !== undefined || node["maxLength"] !== undefined)) this.fail(path, `minLength/maxLength together with "format" are not supported`);
  }

  private resolveRef(ref: string, at: string): void {
    if (ref !== "#" && !ref.startsWith("#/")) this.fail(at, `only local references ("#" or "#/$defs/…") are supported, got ${JSON.stringify(ref.slice(0, 100))}`);
    let cur: unknown = this.root;
    for (const raw of ref === "#" ? [] : ref.slice(2).split("/")) {
      const part = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
      else if (isObj(cur) && Object.hasOwn(cur, part)) cur = cur[part];
      else this.fail(at, `the reference ${JSON.stringify(ref.slice(0, 100))} points to nothing in the schema`);
    }
    if (!isObj(cur) && typeof cur !== "boolean") this.fail(at, `the reference ${JSON.stringify(ref.slice(0, 100))} points to ${describe(cur)}, not a schema`);
  }
}

/** Integer bounds become an enum of every allowed value (see MAX_INTEGER_RANGE); number bounds are refused. */
function rewriteIntegerBounds(node: Json, fail: (message: string) => never): Json {
  const present = BOUNDS.filter((k) => node[k] !== undefined);
  if (present.length === 0) return node;
  if (node["type"] === "number")
    fail(`${present.join(", ")} on a number is not supported: xgrammar 0.1.27 does not enforce it (maximum 3 lets 3.5 through); use type integer or a pattern`);
  if (node["type"] !== "integer") fail(`${present.join(", ")} needs "type": "integer" (one type) beside it`);
  if (node["enum"] !== undefined || node["const"] !== undefined) fail(`${present.join(", ")} together with enum or const is not supported`);
  let lo = -Infinity;
  let hi = Infinity;
  if (typeof node["minimum"] === "number") lo = Math.max(lo, Math.ceil(node["minimum"]));
  if (typeof node["exclusiveMinimum"] === "number") lo = Math.max(lo, Math.floor(node["exclusiveMinimum"]) + 1);
  if (typeof node["maximum"] === "number") hi = Math.min(hi, Math.floor(node["maximum"]));
  if (typeof node["exclusiveMaximum"] === "number") hi = Math.min(hi, Math.ceil(node["exclusiveMaximum"]) - 1);
  if (lo > hi) fail(`no integer satisfies ${present.map((k) => `${k} ${String(node[k])}`).join(", ")}`);
  if (!(hi - lo < MAX_INTEGER_RANGE))
    fail(`integer bounds must give a range of at most ${MAX_INTEGER_RANGE} values (xgrammar 0.1.27 mis-enforces open and wide ranges), got [${lo}, ${hi}]`);
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (k !== "type" && !(BOUNDS as readonly string[]).includes(k)) out[k] = v;
  out["enum"] = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  return out;
}

function escapePointer(key: string): string {
  return key.slice(0, 64).replaceAll("~", "~0").replaceAll("/", "~1");
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v;
}
