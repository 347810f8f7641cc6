// The `messages` of a chat request in OpenAI's shapes: system/developer, user, assistant (content and/or tool_calls,
// reasoning_content), tool (tool_call_id). Tool-call arguments arrive as JSON strings and are parsed to objects here,
// as Hugging Face chat templates expect them (transformers' docs; llama.cpp parses them for such templates too).
import { badField } from "./api-error.js";
import { isObject } from "./field-readers.js";

export const MAX_PROMPT_CHARS = 1 << 20;

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: Record<string, unknown> };
}

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  /** Null only for an assistant message that holds tool calls. */
  content: string | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  reasoning_content?: string;
}

const roles = new Set(["system", "developer", "user", "assistant", "tool"]);
/** The keys each role's message is read for; any other key is ignored (llama-server, vLLM and ollama do), except refused ones. */
const fieldsOf: Record<string, ReadonlySet<string>> = {
  system: new Set(["role", "content", "name"]),
  user: new Set(["role", "content", "name"]),
  assistant: new Set(["role", "content", "name", "tool_calls", "reasoning_content"]),
  tool: new Set(["role", "content", "name", "tool_call_id"]),
};
/** Keys whose being ignored would change the conversation the model sees: a 400 naming them. */
const refused: Record<string, string> = {
  function_call: "the legacy function_call is not supported: send tool_calls",
  audio: "audio in messages is not supported",
  tool_calls: "only assistant messages carry tool_calls",
};
/** Most ignored message keys reported per request. */
const maxIgnored = 32;

/** The messages; keys that are read for no role are listed in `ignored` (for the debug log). */
export function readMessages(v: unknown, ignored: string[] = []): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0) throw badField("messages", "expected a non-empty array of messages", "invalid_type");
  if (v.length > 1024) throw badField("messages", "more than 1024 messages");
  return v.map((m, i) => readMessage(m, `messages[${i}]`, ignored));
}

function readMessage(m: unknown, at: string, ignored: string[]): ChatMessage {
  if (!isObject(m)) throw badField(at, "expected an object", "invalid_type");
  const r = m.role;
  if (typeof r !== "string" || !roles.has(r)) throw badField(`${at}.role`, "expected system, developer, user, assistant or tool");
  const role = r === "developer" ? "system" : (r as ChatMessage["role"]);
  for (const key of Object.keys(m)) {
    if (fieldsOf[role].has(key)) continue;
    const why = Object.hasOwn(refused, key) ? refused[key] : undefined;
    if (why !== undefined && m[key] !== null && m[key] !== undefined) throw badField(`${at}.${key}`, why, "unsupported_value");
    if (ignored.length < maxIgnored) ignored.push(`${at}.${key.slice(0, 64)}`);
  }
  const message: ChatMessage = { role, content: null };
  if (m.name !== undefined && m.name !== null) {
    if (typeof m.name !== "string" || m.name.length > 256) throw badField(`${at}.name`, "expected a string of at most 256 characters", "invalid_type");
    message.name = m.name;
  }
  if (role === "assistant") {
    if (m.tool_calls !== undefined && m.tool_calls !== null) message.tool_calls = readToolCalls(m.tool_calls, `${at}.tool_calls`);
    if (m.content !== undefined && m.content !== null) message.content = readContent(m.content, `${at}.content`);
    else if (message.tool_calls === undefined) throw badField(`${at}.content`, "an assistant message needs content or tool_calls");
    if (m.reasoning_content !== undefined && m.reasoning_content !== null) {
      if (typeof m.reasoning_content !== "string") throw badField(`${at}.reasoning_content`, "expected a string", "invalid_type");
      message.reasoning_content = m.reasoning_content;
    }
    return message;
  }
  message.content = readContent(m.content, `${at}.content`);
  if (role === "tool") {
    if (typeof m.tool_call_id !== "string" || m.tool_call_id.length === 0 || m.tool_call_id.length > 256)
      throw badField(`${at}.tool_call_id`, "a tool message needs the id of the call it answers (a string)", "invalid_type");
    message.tool_call_id = m.tool_call_id;
  }
  return message;
}

function readToolCalls(v: unknown, at: string): ChatToolCall[] {
  if (!Array.isArray(v) || v.length > 128) throw badField(at, "expected an array of at most 128 tool calls", "invalid_type");
  return v.map((c, j) => {
    const cat = `${at}[${j}]`;
    if (!isObject(c)) throw badField(cat, "expected an object", "invalid_type");
    if (typeof c.id !== "string" || c.id.length === 0 || c.id.length > 256) throw badField(`${cat}.id`, "expected a non-empty string", "invalid_type");
    if (c.type !== undefined && c.type !== "function") throw badField(`${cat}.type`, 'expected "function"');
    const f = c.function;
    if (!isObject(f)) throw badField(`${cat}.function`, "expected {name, arguments}", "invalid_type");
    if (typeof f.name !== "string" || f.name.length === 0 || f.name.length > 256) throw badField(`${cat}.function.name`, "expected a non-empty string", "invalid_type");
    return { id: c.id, type: "function", function: { name: f.name, arguments: readArguments(f.arguments, `${cat}.function.arguments`) } };
  });
}

/** OpenAI sends arguments as a JSON string; an object is taken as it is (some clients send one). */
function readArguments(v: unknown, at: string): Record<string, unknown> {
  if (isObject(v)) return v;
  if (typeof v !== "string") throw badField(at, "expected a JSON string of an object", "invalid_type");
  if (v.length > MAX_PROMPT_CHARS) throw badField(at, `longer than ${MAX_PROMPT_CHARS} characters`, "context_length_exceeded");
  let parsed: unknown;
  try {
    parsed = JSON.parse(v) as unknown;
  } catch (err) {
    throw badField(at, `is not valid JSON (${(err as Error).message.slice(0, 100)})`);
  }
  if (!isObject(parsed)) throw badField(at, "must be a JSON object");
  return parsed;
}

/** A string, or an array of {type: "text", text} parts (joined). */
function readContent(v: unknown, at: string): string {
  if (typeof v === "string") {
    if (v.length > MAX_PROMPT_CHARS) throw badField(at, `longer than ${MAX_PROMPT_CHARS} characters`, "context_length_exceeded");
    return v;
  }
  if (Array.isArray(v) && v.length > 0 && v.length <= 256) {
    let text = "";
    for (const part of v) {
      if (!isObject(part) || part.type !== "text" || typeof part.text !== "string") throw badField(at, "only text content parts are supported", "unsupported_value");
      text += part.text;
    }
    if (text.length > MAX_PROMPT_CHARS) throw badField(at, `longer than ${MAX_PROMPT_CHARS} characters`, "context_length_exceeded");
    return text;
  }
  throw badField(at, "expected a string or an array of text parts", "invalid_type");
}

/** Characters a message adds to the prompt (content, arguments): bounds the prompt before it is tokenized. */
export function messageChars(m: ChatMessage): number {
  let n = m.content?.length ?? 0;
  for (const c of m.tool_calls ?? []) n += c.function.name.length + JSON.stringify(c.function.arguments).length;
  return n + (m.reasoning_content?.length ?? 0);
}
