// JSON pieces of the tool-call formats: where a JSON value ends in a stream of text, and a call object
// ({"name", "arguments" | "parameters"}) read into the OpenAI shape (arguments as a JSON string).

/** A tool call as parsed from the output: arguments already serialized as OpenAI sends them. */
export interface ParsedToolCall {
  name: string;
  /** A JSON object, serialized. */
  arguments: string;
  /** An id the model wrote itself (Mistral writes one); else one is made. */
  id?: string;
}

/**
 * The index just past the JSON object or array that starts at `start` (after whitespace), -1 while it is still
 * open, or -2 if the text there cannot begin one. Only brackets and strings are tracked: JSON.parse judges the rest.
 */
export function scanJsonEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (i === text.length) return -1;
  if (text[i] !== "{" && text[i] !== "[") return -2;
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * {"name": string, "arguments" | "parameters": object or a JSON string of one} → a call; anything else → null.
 * `toolNames` (when given) must hold the name: a format without markers only counts answers naming a tool.
 */
export function readCallObject(v: unknown, toolNames: ReadonlySet<string> | null): ParsedToolCall | null {
  if (!isRecord(v)) return null;
  // {"type": "function", "function": {...}} as some models echo the OpenAI shape.
  if (isRecord(v.function) && v.name === undefined) return readCallObject(v.function, toolNames);
  const name = v.name;
  if (typeof name !== "string" || name.length === 0) return null;
  if (toolNames !== null && !toolNames.has(name)) return null;
  let args = v.arguments !== undefined ? v.arguments : v.parameters;
  if (args === undefined) args = {};
  if (typeof args === "string") args = parseJson(args);
  if (!isRecord(args)) return null;
  const call: ParsedToolCall = { name, arguments: JSON.stringify(args) };
  if (typeof v.id === "string") call.id = v.id;
  return call;
}

/** A list of call objects (all must be calls), or one. */
export function readCallList(v: unknown, toolNames: ReadonlySet<string> | null): ParsedToolCall[] | null {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return null;
  const calls: ParsedToolCall[] = [];
  for (const item of list) {
    const call = readCallObject(item, toolNames);
    if (call === null) return null;
    calls.push(call);
  }
  return calls;
}

/** JSON values one after another, separated by whitespace or `;` (Llama 3's parallel calls), all parsed; null if any part is not JSON. */
export function parseJsonSequence(text: string): unknown[] | null {
  const values: unknown[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && (isSpace(text.charCodeAt(i)) || text[i] === ";")) i++;
    if (i === text.length) return values.length > 0 ? values : null;
    const end = scanJsonEnd(text, i);
    if (end < 0) return null;
    const value = parseJson(text.slice(i, end));
    if (value === undefined) return null;
    values.push(value);
    i = end;
  }
}
