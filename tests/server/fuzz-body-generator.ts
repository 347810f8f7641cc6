import { mulberry32 } from "../../src/server/bench/mulberry32.js";

/** One fuzzed request: a route and a JSON body (mutations of a valid chat or text completion body). */
export interface FuzzCase {
  path: "/v1/chat/completions" | "/v1/completions" | "/tokenize" | "/detokenize";
  body: Record<string, unknown>;
  mutations: string[];
}

type Rnd = () => number;

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (rnd: Rnd, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

// Fields tsinfer reads today, and those that constrained decoding, tool calling and reasoning add (issue 23).
const KNOWN_FIELDS = [
  "model", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "min_p", "n", "stream", "stream_options", "stop", "seed",
  "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "ignore_eos", "cache_salt",
  "prompt", "echo", "suffix", "best_of", "messages", "response_format", "json_schema", "grammar", "tools", "tool_choice", "parallel_tool_calls",
  "chat_template_kwargs", "reasoning_effort", "metadata", "store", "service_tier", "prediction", "modalities", "audio", "functions", "function_call",
];
const NUMBERISH: unknown[] = [0, -0, 1, -1, 0.5, 2, 8, 1e308, -1e308, 5e-324, 2 ** 53 + 2, -(2 ** 31), 4096, 4095, 1e21, "NaN", "Infinity", "-Infinity", "1e999", "0x10", " 1 ", "", "8"];
// No null: that means "up to the context", hundreds of tokens.
const SMALL_MAX_TOKENS: unknown[] = [1, 2, 3, 4, 8, 0, -1, 1.5, 1e308, 2 ** 53, "8", true, [8], {}];
const SCHEMA_KEYWORDS = [
  "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "allOf",
  "$ref", "$defs", "definitions", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "multipleOf", "not", "if",
  "then", "else", "patternProperties", "dependentRequired", "uniqueItems", "contains", "x-unknown-keyword", "title", "description", "default", "nullable",
];
const TYPES = ["object", "array", "string", "integer", "number", "boolean", "null", "date", "any"];
const FORMATS = ["date", "time", "date-time", "uuid", "email", "ipv4", "uri", "hostname", "not-a-format"];
const PATTERNS = ["^[a-z]+$", "(", "[", "\\d{3}-\\d{4}", "a{99999}", "(a+)+$", "^\\p{L}+$", ".*"];

/** Text with awkward code points: lone surrogates, controls, NUL, astral characters, RTL, combining marks. */
function unicodeString(rnd: Rnd, maxLength: number): string {
  const pools = [
    () => String.fromCharCode(int(rnd, 0x20, 0x7e)),
    () => String.fromCharCode(int(rnd, 0, 0x1f)),
    () => String.fromCharCode(int(rnd, 0xd800, 0xdfff)),
    () => String.fromCodePoint(int(rnd, 0x1f300, 0x1faff)),
    () => String.fromCodePoint(int(rnd, 0x0590, 0x06ff)),
    () => String.fromCodePoint(int(rnd, 0x0300, 0x036f)),
    () => String.fromCodePoint(int(rnd, 0x4e00, 0x9fff)),
    () => pick(rnd, ["<s>", "</s>", "<unk>", "<|im_start|>", "<tool_call>", "[TOOL_CALLS]", "{{", "{%", "\\u0000", "\uFEFF", "\u202E"]),
  ];
  let s = "";
  const n = int(rnd, 0, maxLength);
  for (let i = 0; i < n; i++) s += pick(rnd, pools)();
  return s;
}

function nested(rnd: Rnd, depth: number): unknown {
  let v: unknown = pick(rnd, [1, "x", null, true, {}, []]);
  for (let i = 0; i < depth; i++) v = rnd() < 0.5 ? [v] : { [pick(rnd, ["a", "type", "properties", "$ref", "content"])]: v };
  return v;
}

/** Any JSON value, biased to the awkward ones. */
export function randomValue(rnd: Rnd, depth = 0): unknown {
  const r = rnd();
  if (r < 0.2) return pick(rnd, NUMBERISH);
  if (r < 0.35) return unicodeString(rnd, 24);
  if (r < 0.45) return pick(rnd, [null, true, false]);
  if (r < 0.55) return nested(rnd, int(rnd, 10, depth > 0 ? 10 : 600));
  if (r < 0.75 && depth < 3) return Array.from({ length: int(rnd, 0, 4) }, () => randomValue(rnd, depth + 1));
  if (depth < 3) return Object.fromEntries(Array.from({ length: int(rnd, 0, 4) }, () => [pick(rnd, [...KNOWN_FIELDS, "x", "__proto__", "constructor", ""]), randomValue(rnd, depth + 1)]));
  return pick(rnd, [0, "", null]);
}

/** A JSON Schema made of random keywords: valid ones, unknown ones, wrong types, dangling and recursive $refs. */
export function randomSchema(rnd: Rnd, depth = 0): unknown {
  if (rnd() < 0.08) return pick(rnd, [true, false, null, 5, "object", [], {}]);
  const schema: Record<string, unknown> = {};
  for (let i = int(rnd, 1, 5); i > 0; i--) {
    const k = pick(rnd, SCHEMA_KEYWORDS);
    const sub = () => (depth < 3 ? randomSchema(rnd, depth + 1) : { type: "string" });
    switch (k) {
      case "type":
        schema.type = rnd() < 0.8 ? pick(rnd, TYPES) : pick(rnd, [[pick(rnd, TYPES), "null"], 5, null, []]);
        break;
      case "properties":
      case "$defs":
      case "definitions":
      case "patternProperties":
        schema[k] = rnd() < 0.9 ? Object.fromEntries(Array.from({ length: int(rnd, 0, 3) }, () => [pick(rnd, ["name", "age", "items", "next", unicodeString(rnd, 6)]), sub()])) : randomValue(rnd, 2);
        break;
      case "required":
        schema.required = rnd() < 0.8 ? ["name", "age", "missing"].slice(0, int(rnd, 0, 3)) : randomValue(rnd, 2);
        break;
      case "items":
      case "additionalProperties":
      case "not":
      case "if":
      case "then":
      case "else":
      case "contains":
        schema[k] = sub();
        break;
      case "prefixItems":
      case "anyOf":
      case "oneOf":
      case "allOf":
        schema[k] = rnd() < 0.9 ? Array.from({ length: int(rnd, 0, 3) }, sub) : randomValue(rnd, 2);
        break;
      case "$ref":
        schema.$ref = pick(rnd, ["#", "#/$defs/name", "#/$defs/missing", "#/definitions/next", "http://example.com/schema", "#/properties/next", "", 5]);
        break;
      case "enum":
        schema.enum = rnd() < 0.8 ? Array.from({ length: int(rnd, 0, 4) }, () => randomValue(rnd, 2)) : "a";
        break;
      case "const":
        schema.const = randomValue(rnd, 2);
        break;
      case "pattern":
        schema.pattern = rnd() < 0.9 ? pick(rnd, PATTERNS) : 5;
        break;
      case "format":
        schema.format = pick(rnd, FORMATS);
        break;
      default:
        schema[k] = rnd() < 0.7 ? pick(rnd, [0, 1, 3, -1, 2.5, 1e308, 100000]) : randomValue(rnd, 2);
    }
  }
  return schema;
}

function randomResponseFormat(rnd: Rnd): unknown {
  const type = pick(rnd, ["json_object", "json_schema", "json_schema", "text", "xml", 5, null]);
  if (type !== "json_schema") return rnd() < 0.9 ? { type } : randomValue(rnd, 1);
  const jsonSchema: Record<string, unknown> = { name: pick(rnd, ["answer", "", "x".repeat(80), 5]), schema: randomSchema(rnd) };
  if (rnd() < 0.5) jsonSchema.strict = pick(rnd, [true, false, "yes"]);
  if (rnd() < 0.1) delete jsonSchema.schema;
  return { type, json_schema: rnd() < 0.95 ? jsonSchema : randomValue(rnd, 1) };
}

function randomTools(rnd: Rnd): unknown {
  if (rnd() < 0.1) return randomValue(rnd, 1);
  return Array.from({ length: int(rnd, 0, 3) }, () => {
    const fn: Record<string, unknown> = { name: pick(rnd, ["get_weather", "search", "", "a b", "x".repeat(70), 5]) };
    if (rnd() < 0.7) fn.description = unicodeString(rnd, 20);
    if (rnd() < 0.8) fn.parameters = rnd() < 0.5 ? { type: "object", properties: { city: { type: "string" } }, required: ["city"] } : randomSchema(rnd);
    if (rnd() < 0.2) fn.strict = randomValue(rnd, 2);
    return rnd() < 0.9 ? { type: pick(rnd, ["function", "function", "code_interpreter", 5]), function: fn } : randomValue(rnd, 1);
  });
}

function randomToolChoice(rnd: Rnd): unknown {
  return pick(rnd, [
    "none", "auto", "required", "any", "", null, 5,
    { type: "function", function: { name: "get_weather" } },
    { type: "function", function: { name: "not_a_tool" } },
    { type: "function" },
    { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [] } },
  ]);
}

function randomToolCall(rnd: Rnd): unknown {
  const args = pick(rnd, ['{"city":"Paris"}', "{", "", '{"a":[1,2,{"b":null}]}', { city: "Paris" }, 5, null]);
  return rnd() < 0.9 ? { id: pick(rnd, ["call_1", "", 5]), type: pick(rnd, ["function", "x"]), function: { name: pick(rnd, ["get_weather", "", 7]), arguments: args } } : randomValue(rnd, 2);
}

/** Conversations with every role, tool calls and tool results, content as text or parts, and malformed ones. */
function randomMessages(rnd: Rnd): unknown {
  if (rnd() < 0.05) return randomValue(rnd, 1);
  return Array.from({ length: int(rnd, 1, 5) }, () => {
    const role = pick(rnd, ["system", "developer", "user", "user", "assistant", "tool", "function", "robot", 5]);
    const m: Record<string, unknown> = { role };
    const r = rnd();
    m.content = r < 0.6 ? unicodeString(rnd, 30) : r < 0.75 ? [{ type: "text", text: unicodeString(rnd, 10) }] : r < 0.85 ? null : randomValue(rnd, 2);
    if (role === "assistant" && rnd() < 0.6) m.tool_calls = rnd() < 0.9 ? Array.from({ length: int(rnd, 1, 3) }, () => randomToolCall(rnd)) : randomValue(rnd, 2);
    if (role === "tool" && rnd() < 0.8) m.tool_call_id = pick(rnd, ["call_1", "", 5, null]);
    if (rnd() < 0.1) m.name = randomValue(rnd, 2);
    if (rnd() < 0.1) m[pick(rnd, ["refusal", "reasoning_content", "annotations", "x"])] = randomValue(rnd, 2);
    return m;
  });
}

/** `count` bodies from `seed`: each a valid body with 1–4 mutations. max_tokens stays ≤ 8 whenever it is valid. */
export function fuzzCases(count: number, seed: number): FuzzCase[] {
  const rnd = mulberry32(seed);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const chat = rnd() < 0.6;
    const body: Record<string, unknown> = chat
      ? { model: "stories-7m-f16", messages: [{ role: "user", content: "Once upon a time" }], max_tokens: int(rnd, 1, 8) }
      : { model: "stories-7m-f16", prompt: "Once upon a time", max_tokens: int(rnd, 1, 8) };
    const mutations: string[] = [];
    for (let m = int(rnd, 1, 4); m > 0; m--) {
      const kind = pick(rnd, ["field", "field", "unknown", "response_format", "tools", "tool_choice", "messages", "stream", "unicode", "deep", "sampling"]);
      mutations.push(kind);
      switch (kind) {
        case "field": {
          const f = pick(rnd, KNOWN_FIELDS);
          body[f] = f === "max_tokens" || f === "max_completion_tokens" ? pick(rnd, SMALL_MAX_TOKENS) : f === "n" ? pick(rnd, [1, 2, 16, 17, 0, -1, 1.5, "2"]) : randomValue(rnd);
          break;
        }
        case "unknown":
          // defineProperty: an assignment to "__proto__" would set the prototype instead of adding a key.
          Object.defineProperty(body, pick(rnd, ["foo", "extra_body", "cache_prompt", "n_predict", "id_slot", "__proto__", "constructor", "toString", unicodeString(rnd, 8)]), {
            value: randomValue(rnd),
            enumerable: true,
            writable: true,
            configurable: true,
          });
          break;
        case "response_format":
          if (rnd() < 0.8) body.response_format = randomResponseFormat(rnd);
          else body[pick(rnd, ["json_schema", "grammar"])] = rnd() < 0.5 ? randomSchema(rnd) : pick(rnd, ['root ::= "a"', "root ::=", "root ::= x", 5, unicodeString(rnd, 20)]);
          break;
        case "tools":
          body.tools = randomTools(rnd);
          if (rnd() < 0.5) body.tool_choice = randomToolChoice(rnd);
          if (rnd() < 0.3) body.parallel_tool_calls = pick(rnd, [true, false, "yes", null]);
          break;
        case "tool_choice":
          body.tool_choice = randomToolChoice(rnd);
          break;
        case "messages":
          if (chat) body.messages = randomMessages(rnd);
          else body.prompt = pick(rnd, [unicodeString(rnd, 40), [1, 2, 3], [4096], [], "", ["a"], [-1], randomValue(rnd)]);
          break;
        case "stream":
          body.stream = pick(rnd, [true, true, false, "true", 1]);
          if (rnd() < 0.6) body.stream_options = pick(rnd, [{ include_usage: true }, { include_usage: "yes" }, { continuous_usage_stats: true }, null, 5]);
          break;
        case "unicode":
          if (chat) body.messages = [{ role: "user", content: unicodeString(rnd, 60) }];
          else body.prompt = unicodeString(rnd, 60);
          break;
        case "deep":
          body[pick(rnd, KNOWN_FIELDS)] = nested(rnd, int(rnd, 100, 2000));
          break;
        default:
          body.temperature = pick(rnd, [0, 0.7, 2, -0.1, 3, "0"]);
          body.seed = pick(rnd, [0, 42, -1, 2 ** 53, 1.5]);
          if (rnd() < 0.5) body.logit_bias = pick(rnd, [{ "5": 100 }, { "5": -100 }, { "99999": 1 }, { "-1": 1 }, { a: 1 }, []]);
          if (rnd() < 0.4) body.logprobs = chat ? pick(rnd, [true, false, 2]) : pick(rnd, [0, 3, 5, 6, true]);
          if (rnd() < 0.3) body.top_logprobs = pick(rnd, [0, 5, 20, 21, "3"]);
          if (rnd() < 0.3) body.n = pick(rnd, [1, 2, 4]);
      }
    }
    // A valid max_tokens bigger than 8 would only make the run slower: mutations never produce one.
    for (const f of ["max_tokens", "max_completion_tokens"]) {
      const v = body[f];
      if (typeof v === "number" && Number.isInteger(v) && v > 8 && v < 4096) body[f] = 8;
    }
    cases.push({ path: chat ? "/v1/chat/completions" : "/v1/completions", body, mutations });
  }
  return cases;
}

/** Bodies for llama-server's /tokenize and /detokenize: awkward text, mixed lists, ids in and out of range, wrong types. */
export function tokenizerFuzzCases(count: number, seed: number): FuzzCase[] {
  const rnd = mulberry32(seed);
  const cases: FuzzCase[] = [];
  const id = () => pick(rnd, [0, 1, 2, 13, 4095, 4096, -1, 1.5, "7", null, 2 ** 53]);
  for (let i = 0; i < count; i++) {
    const body: Record<string, unknown> = {};
    const mutations: string[] = [];
    if (rnd() < 0.6) {
      body.content = pick(rnd, ["text", "text", "mixed", "value"]) === "mixed" ? Array.from({ length: int(rnd, 0, 5) }, () => (rnd() < 0.5 ? unicodeString(rnd, 20) : id())) : rnd() < 0.7 ? unicodeString(rnd, 80) : randomValue(rnd);
      for (const f of ["add_special", "parse_special", "with_pieces"]) if (rnd() < 0.5) body[f] = pick(rnd, [true, false, true, "yes", 1, null]);
      mutations.push("tokenize");
      cases.push({ path: "/tokenize", body, mutations });
    } else {
      body.tokens = rnd() < 0.8 ? Array.from({ length: int(rnd, 0, 30) }, () => (rnd() < 0.9 ? int(rnd, 0, 4095) : id())) : randomValue(rnd);
      mutations.push("detokenize");
      cases.push({ path: "/detokenize", body, mutations });
    }
    if (rnd() < 0.2) body[pick(rnd, ["foo", "model", "content", "tokens"])] = randomValue(rnd);
  }
  return cases;
}
