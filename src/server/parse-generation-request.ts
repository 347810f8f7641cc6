import { InputError } from "../errors.js";
import type { GrammarSpec } from "../grammar/grammar-spec.js";
import { responseFormatToSpec } from "../grammar/response-format.js";
import type { SamplingParams } from "../sampling/sampling-params.js";
import { ApiError, badField } from "./api-error.js";
import { checkExtraFields } from "./extra-fields.js";
import { isObject, optBool, optInt, optNumber, optString, readLogitBias, readStop } from "./field-readers.js";
import type { JsonObject } from "./field-readers.js";
import { MAX_PROMPT_CHARS, messageChars, readMessages } from "./read-chat-messages.js";
import type { ChatMessage } from "./read-chat-messages.js";
import { readToolFields, toolFieldNames } from "./read-tools.js";
import type { ToolFields } from "./read-tools.js";

export type { ChatMessage } from "./read-chat-messages.js";

/** A validated /v1/completions or /v1/chat/completions body. */
export interface GenerationRequest {
  kind: "completion" | "chat";
  model: string | null;
  /** Completions: the prompt as text or token ids. Chat: null (see messages). */
  prompt: string | number[] | null;
  messages: ChatMessage[];
  maxTokens: number | null;
  n: number;
  stream: boolean;
  includeUsage: boolean;
  sampling: Partial<SamplingParams>;
  stop: string[];
  /** Top alternatives per token, or null for no logprobs. */
  topLogprobs: number | null;
  ignoreEos: boolean;
  /** vLLM's `cache_salt`: only requests with the same salt share prefix-cache blocks (tenants apart). */
  cacheSalt: string | null;
  /** Chat: tools, tool_choice, parallel_tool_calls, chat_template_kwargs, reasoning_format (completions: none). */
  toolFields: ToolFields;
  /** Special tokens written into the answer's text because the output parser looks for them (set by the server). */
  keepSpecial?: readonly string[];
  /** Fields of the body that were accepted and ignored (for the debug log). */
  ignoredFields: string[];
  /** Structured output (response_format, llama-server's json_schema or grammar), and the field it came from. */
  grammar: { spec: GrammarSpec; field: GrammarField } | null;
}

export type GrammarField = "response_format" | "json_schema" | "grammar" | "tool_choice";

const noToolFields: ToolFields = { tools: [], templateTools: null, toolChoice: "none", parallelToolCalls: true, templateKwargs: {}, reasoningFormat: "auto" };

export interface ParseLimits {
  vocabSize: number;
  ctxLen: number;
  maxN: number;
  /** Most prompt characters (all messages together) that can still fit the context; more get a 400 before tokenizing. */
  maxPromptChars?: number;
}

const COMMON = ["echo", "best_of", "model", "max_tokens", "temperature", "top_p", "top_k", "min_p", "n", "stream", "stream_options", "stop", "seed", "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias", "logprobs", "user", "ignore_eos", "cache_salt", "response_format", "json_schema", "grammar"];
const COMPLETION_FIELDS = new Set([...COMMON, "prompt", "suffix"]);
const CHAT_FIELDS = new Set([...COMMON, "messages", "max_completion_tokens", "top_logprobs", ...toolFieldNames]);

export function parseGenerationRequest(kind: "completion" | "chat", body: unknown, limits: ParseLimits): GenerationRequest {
  if (!isObject(body)) throw new ApiError(400, "the request body must be a JSON object", "invalid_request_error", null, "invalid_body");
  // Read first, so a forced tool_choice with response_format is refused for what it is.
  const toolFields = kind === "chat" ? readToolFields(body) : noToolFields;
  const ignoredFields = checkExtraFields(body, kind === "chat" ? CHAT_FIELDS : COMPLETION_FIELDS);
  const model = optString(body, "model", 256) ?? null;
  const n = optInt(body, "n", 1, limits.maxN) ?? 1;
  const stream = optBool(body, "stream") ?? false;
  const includeUsage = readStreamOptions(body, stream, ignoredFields);
  let maxTokens = optInt(body, "max_tokens", 1, limits.ctxLen) ?? null;
  let topLogprobs: number | null = null;
  let prompt: string | number[] | null = null;
  let messages: ChatMessage[] = [];
  if (kind === "chat") {
    maxTokens = optInt(body, "max_completion_tokens", 1, limits.ctxLen) ?? maxTokens;
    messages = readMessages(body.messages, ignoredFields);
    const want = optBool(body, "logprobs") ?? false;
    const top = optInt(body, "top_logprobs", 0, 20);
    if (top !== undefined && !want) throw badField("top_logprobs", "requires logprobs: true");
    topLogprobs = want ? (top ?? 0) : null;
  } else {
    prompt = readPrompt(body.prompt, limits.vocabSize);
    topLogprobs = optInt(body, "logprobs", 0, 5) ?? null;
    // Fill-in-the-middle needs a model trained with FIM tokens (llama-server's /infill, vLLM's suffix): tsinfer has no
    // FIM prompt format, so a suffix would be silently dropped. An empty suffix asks for nothing.
    const suffix = optString(body, "suffix", MAX_PROMPT_CHARS);
    if (suffix !== undefined && suffix.length > 0)
      throw badField("suffix", "fill-in-the-middle (a prompt with a suffix) is not supported: tsinfer only continues the prompt; leave suffix out", "unsupported_value");
  }
  // vLLM takes both on chat too: ignoring them would change the answer.
  if (optBool(body, "echo")) throw badField("echo", "echo is not supported", "unsupported_value");
  const bestOf = optInt(body, "best_of", 1, limits.maxN);
  if (bestOf !== undefined && bestOf !== n) throw badField("best_of", "only best_of = n is supported", "unsupported_value");
  optString(body, "user", 256);
  // Choice i samples with seed + i: every one of them must stay a safe integer.
  const seed = optInt(body, "seed", 0, Number.MAX_SAFE_INTEGER - (n - 1));
  const sampling: Partial<SamplingParams> = {
    temperature: optNumber(body, "temperature", 0, 2) ?? 1,
    topP: optNumber(body, "top_p", 0, 1) ?? 1,
    topK: optInt(body, "top_k", -1, limits.vocabSize) ?? 0,
    minP: optNumber(body, "min_p", 0, 1) ?? 0,
    presencePenalty: optNumber(body, "presence_penalty", -2, 2) ?? 0,
    frequencyPenalty: optNumber(body, "frequency_penalty", -2, 2) ?? 0,
    repeatPenalty: optNumber(body, "repetition_penalty", 0.01, 10) ?? 1,
    repeatLastN: -1,
    logitBias: readLogitBias(body, limits.vocabSize) ?? new Map(),
    seed,
  };
  if (sampling.topK === -1) sampling.topK = 0; // vLLM's "off"
  if (sampling.topP === 0) throw badField("top_p", "must be greater than 0");
  if (limits.maxPromptChars !== undefined) checkPromptChars(kind, prompt, messages, limits.maxPromptChars, limits.ctxLen);
  // Token ids that cannot fit are refused here, before a large array is handed back from the tokenizer worker.
  if (Array.isArray(prompt) && prompt.length >= limits.ctxLen)
    throw badField("prompt", `the prompt has ${prompt.length} tokens; the context holds ${limits.ctxLen} (prompt + output)`, "context_length_exceeded");
  return {
    kind,
    model,
    prompt,
    messages,
    maxTokens,
    n,
    stream,
    includeUsage,
    sampling,
    stop: readStop(body),
    topLogprobs,
    ignoreEos: optBool(body, "ignore_eos") ?? false,
    cacheSalt: readCacheSalt(body),
    toolFields,
    ignoredFields,
    grammar: readGrammar(body),
  };
}

/** An InputError whose message starts with the field ("response_format.type: …") as a 400 naming that field. */
export function inputErrorAsBadField(err: InputError, fallbackParam: string): ApiError {
  const at = err.message.indexOf(": ");
  const param = at > 0 && !err.message.slice(0, at).includes(" ") ? err.message.slice(0, at) : fallbackParam;
  return new ApiError(400, err.message, "invalid_request_error", param, "invalid_value");
}

/** OpenAI's `response_format`, or llama-server's `json_schema` (a schema) or `grammar` (GBNF text): at most one. */
function readGrammar(body: JsonObject): GenerationRequest["grammar"] {
  const found: { spec: GrammarSpec; field: GrammarField }[] = [];
  let spec: GrammarSpec | null;
  try {
    spec = responseFormatToSpec(body.response_format, "response_format");
  } catch (err) {
    if (err instanceof InputError) throw inputErrorAsBadField(err, "response_format");
    throw err;
  }
  if (spec !== null) found.push({ spec, field: "response_format" });
  const schema = body.json_schema;
  if (schema !== undefined && schema !== null) {
    if (!isObject(schema) && typeof schema !== "boolean") throw badField("json_schema", "expected a JSON Schema object", "invalid_type");
    found.push({ spec: { kind: "json_schema", schema }, field: "json_schema" });
  }
  const grammar = optString(body, "grammar", 1 << 20);
  if (grammar !== undefined && grammar.length > 0) found.push({ spec: { kind: "gbnf", text: grammar }, field: "grammar" });
  if (found.length > 1) throw badField(found[1]!.field, `only one of response_format, json_schema and grammar may constrain the output (got ${found.map((f) => f.field).join(" and ")})`);
  return found[0] ?? null;
}

function readCacheSalt(body: JsonObject): string | null {
  const salt = optString(body, "cache_salt", 256);
  if (salt === undefined) return null;
  if (salt.length === 0) throw badField("cache_salt", "must not be empty (leave it out for the shared cache)");
  return salt;
}

function checkPromptChars(kind: "completion" | "chat", prompt: string | number[] | null, messages: ChatMessage[], maxChars: number, ctxLen: number): void {
  let chars = typeof prompt === "string" ? prompt.length : 0;
  for (const m of messages) chars += messageChars(m);
  if (chars > maxChars)
    throw badField(kind === "chat" ? "messages" : "prompt", `the prompt has ${chars} characters, more than the ${maxChars} that could fit the context of ${ctxLen} tokens`, "context_length_exceeded");
}

const STREAM_OPTIONS = new Set(["include_usage"]);

function readStreamOptions(body: JsonObject, stream: boolean, ignored: string[]): boolean {
  const v = body.stream_options;
  if (v === undefined || v === null) return false;
  if (!isObject(v)) throw badField("stream_options", "expected an object", "invalid_type");
  if (!stream) throw badField("stream_options", "only allowed with stream: true");
  // e.g. OpenAI's include_obfuscation (padding against length side channels): nothing to pad here.
  ignored.push(...checkExtraFields(v, STREAM_OPTIONS, "stream_options.", false));
  return optBool(v, "include_usage") ?? false;
}

function readPrompt(v: unknown, vocabSize: number): string | number[] {
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "string") v = v[0];
  if (typeof v === "string") {
    if (v.length === 0) throw badField("prompt", "must not be empty");
    if (v.length > MAX_PROMPT_CHARS) throw badField("prompt", `longer than ${MAX_PROMPT_CHARS} characters`, "context_length_exceeded");
    return v;
  }
  if (Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && t >= 0 && t < vocabSize)) return v as number[];
  throw badField("prompt", `expected a non-empty string or an array of token ids below ${vocabSize}`, "invalid_type");
}
