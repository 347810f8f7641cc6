import { badField } from "./api-error.js";
import { isObject } from "./field-readers.js";
import type { JsonObject } from "./field-readers.js";

/**
 * Fields that SDKs send and that change nothing in the answer tsinfer gives: accepted and ignored (as vLLM does),
 * but a wrong type is still a 400 naming the field. Each check returns an error message, or null when the value is fine.
 */
const HARMLESS: Record<string, (v: unknown) => string | null> = {
  // OpenAI's stored-completions dashboard: tsinfer stores nothing.
  store: (v) => (typeof v === "boolean" ? null : "expected a boolean"),
  metadata: (v) =>
    isObject(v) && Object.values(v).every((s) => typeof s === "string") ? null : "expected an object of string values",
  // One service tier here.
  service_tier: (v) => (typeof v === "string" ? null : "expected a string"),
  // Models without a reasoning switch in their template answer the same whatever the effort.
  reasoning_effort: (v) => (typeof v === "string" ? null : "expected a string"),
  // Predicted outputs only speed OpenAI's decoding up; the answer is the same without them.
  prediction: (v) => (isObject(v) ? null : "expected an object"),
  // Only meaningful with tools; without them the answer is the same.
  parallel_tool_calls: (v) => (typeof v === "boolean" ? null : "expected a boolean"),
  // ["text"] is what tsinfer answers anyway; asking for audio is refused below.
  modalities: (v) =>
    Array.isArray(v) && v.every((m) => typeof m === "string")
      ? v.every((m) => m === "text")
        ? null
        : "only the text modality is supported"
      : "expected an array of strings",
};

/**
 * Fields whose being ignored would silently give a wrong answer: a 400 that names them. A field leaves this list
 * when tsinfer implements it (and becomes a known field of its route).
 */
const REFUSED: Record<string, string> = {
  audio: "audio output is not supported",
  web_search_options: "web search is not supported",
  functions: "function calling is not supported",
  function_call: "function calling is not supported",
  tools: "tool calling is not supported",
  tool_choice: "tool calling is not supported",
  response_format: "structured output (response_format) is not supported",
  grammar: "grammar-constrained decoding is not supported",
  json_schema: "JSON-schema-constrained decoding is not supported",
};

/** Most ignored field names reported per request (a body can hold thousands of keys). */
const MAX_REPORTED = 16;

/**
 * Checks the keys of `body` that are not in `known`: on a generation route a harmless SDK field is type-checked and
 * ignored and a field whose lack of effect would change the answer is refused (400); any other key is ignored, as
 * llama-server, vLLM and ollama do. Returns the ignored keys (at most 16, each cut to 64 characters) for the debug log.
 */
export function checkExtraFields(body: JsonObject, known: ReadonlySet<string>, prefix = "", generation = true): string[] {
  const ignored: string[] = [];
  for (const key of Object.keys(body)) {
    if (known.has(key)) continue;
    if (!generation) {
      if (ignored.length < MAX_REPORTED) ignored.push(prefix + key.slice(0, 64));
      continue;
    }
    const value = body[key];
    const refused = Object.hasOwn(REFUSED, key) ? REFUSED[key] : undefined;
    // null is what SDKs send for "not set" (e.g. tools: null): nothing to refuse or check.
    if (refused !== undefined && value !== null && value !== undefined) throw badField(prefix + key, refused, "unsupported_value");
    const check = Object.hasOwn(HARMLESS, key) ? HARMLESS[key] : undefined;
    if (check !== undefined && value !== null && value !== undefined) {
      const problem = check(value);
      if (problem !== null) throw badField(prefix + key, problem);
    }
    if (ignored.length < MAX_REPORTED) ignored.push(prefix + key.slice(0, 64));
  }
  return ignored;
}
