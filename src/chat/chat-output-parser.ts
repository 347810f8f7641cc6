// The model's answer, as it streams, split into content, reasoning (<think>…</think>) and tool calls. One parser
// serves streaming and non-streaming answers (the latter push everything, then finish), so streamed deltas always
// reassemble to the non-streamed message. Text that may be the start of a marker is held back until it is known.
// Formats as llama.cpp's common/chat.cpp and vLLM's hermes / llama3_json / mistral tool parsers read them.
import type { ToolCallFormat } from "./chat-output-format.js";
import { parseJson, parseJsonSequence, readCallList, readCallObject, scanJsonEnd } from "./tool-call-json.js";
import type { ParsedToolCall } from "./tool-call-json.js";

export type ChatOutputEvent =
  | { kind: "content"; text: string }
  | { kind: "reasoning"; text: string }
  | { kind: "tool_call"; index: number; id: string; name: string; arguments: string };

export interface ChatOutputOptions {
  format: ToolCallFormat;
  /** The request's tool names; null: tool calls are not parsed (no tools, or tool_choice "none"). */
  toolNames: ReadonlySet<string> | null;
  /** Split `<think>…</think>` into reasoning (the template knows it and reasoning_format is not "none"). */
  splitReasoning: boolean;
  /** The prompt ended inside `<think>`: the output starts as reasoning. */
  reasoningOpen: boolean;
  /** parallel_tool_calls: false keeps only the first call. */
  parallelToolCalls: boolean;
  /** A fresh tool-call id. */
  newId: () => string;
}

/** How a tool-call region that a marker opened ends: a closing tag, the end of one JSON value, or the end of the output. */
interface Marker {
  open: string;
  end: "tag" | "json" | "eos";
  close?: string;
  read: (region: string, toolNames: ReadonlySet<string>) => ParsedToolCall[] | null;
}

const thinkOpen = "<think>";
const thinkClose = "</think>";

const hermesRead = (region: string): ParsedToolCall[] | null => {
  const call = readCallObject(parseJson(region.trim()), null);
  return call === null ? null : [call];
};
const jsonListRead = (region: string): ParsedToolCall[] | null => readCallList(parseJson(region.trim()), null);
/** After <|python_tag|>: JSON calls (`;`-separated), else code for a `python` / `code_interpreter` tool as llama.cpp does. */
const pythonTagRead = (region: string, toolNames: ReadonlySet<string>): ParsedToolCall[] | null => {
  const values = parseJsonSequence(region);
  if (values !== null) return readCallList(values, null);
  const code = region.trim();
  const tool = toolNames.has("python") ? "python" : toolNames.has("code_interpreter") ? "code_interpreter" : null;
  return tool === null || code === "" ? null : [{ name: tool, arguments: JSON.stringify({ code }) }];
};

const markersOf: Record<ToolCallFormat, Marker[]> = {
  hermes: [{ open: "<tool_call>", end: "tag", close: "</tool_call>", read: hermesRead }],
  mistral: [{ open: "[TOOL_CALLS]", end: "json", read: jsonListRead }],
  llama3: [{ open: "<|python_tag|>", end: "eos", read: pythonTagRead }],
  json: [],
};

/**
 * An answer that is nothing but JSON naming a tool: Llama 3's bare `{"name", "parameters"}` (`;` between parallel
 * calls) and the generic fallback (llama.cpp's generic format: {"tool_call": …}, {"tool_calls": […]}, a call or a list).
 */
function readWholeAnswer(format: ToolCallFormat, text: string, toolNames: ReadonlySet<string>): ParsedToolCall[] | null {
  if (format === "llama3") {
    const values = parseJsonSequence(text);
    return values === null ? null : readCallList(values, toolNames);
  }
  const value = parseJson(text.trim());
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (v.tool_calls !== undefined) return readCallList(v.tool_calls, toolNames);
    if (v.tool_call !== undefined) return readCallList(v.tool_call, toolNames);
  }
  return readCallList(value, toolNames);
}

/** Leading whitespace of a part is dropped and trailing whitespace held until more text follows (llama.cpp trims both). */
class TrimmedText {
  started = false;
  pending = "";
  constructor(
    private readonly kind: "content" | "reasoning",
    private readonly out: ChatOutputEvent[],
  ) {}

  add(text: string): void {
    const t = this.started ? text : text.trimStart();
    if (t === "") return;
    const body = t.trimEnd();
    if (body === "") {
      this.pending += t;
      return;
    }
    this.out.push({ kind: this.kind, text: this.pending + body });
    this.pending = t.slice(body.length);
    this.started = true;
  }
}

type Mode = "think-start" | "reasoning" | "text" | "call" | "whole";

export class ChatOutputParser {
  private buf = "";
  private mode: Mode;
  private marker: Marker | null = null;
  private wsBeforeCall = "";
  private nCalls = 0;
  private readonly ids = new Set<string>();
  private readonly out: ChatOutputEvent[] = [];
  private readonly content: TrimmedText;
  private readonly reasoning: TrimmedText;
  private readonly markers: Marker[];

  constructor(private readonly options: ChatOutputOptions) {
    this.content = new TrimmedText("content", this.out);
    this.reasoning = new TrimmedText("reasoning", this.out);
    this.markers = options.toolNames === null ? [] : markersOf[options.format];
    this.mode = !options.splitReasoning ? "text" : options.reasoningOpen ? "reasoning" : "think-start";
  }

  /** Events for `text`, the answer's next piece (possibly none while a marker may be starting). */
  push(text: string): ChatOutputEvent[] {
    this.buf += text;
    this.run(false);
    return this.take();
  }

  /** The answer ended: everything held back is decided. */
  finish(): ChatOutputEvent[] {
    this.run(true);
    return this.take();
  }

  get toolCallCount(): number {
    return this.nCalls;
  }

  private take(): ChatOutputEvent[] {
    return this.out.splice(0, this.out.length);
  }

  private run(final: boolean): void {
    for (;;) {
      if (this.mode === "think-start") {
        const t = this.buf.trimStart();
        if (t.startsWith(thinkOpen)) {
          this.buf = t.slice(thinkOpen.length);
          this.mode = "reasoning";
        } else if (!final && thinkOpen.startsWith(t)) return;
        else this.mode = "text";
      } else if (this.mode === "reasoning") {
        const i = this.buf.indexOf(thinkClose);
        if (i >= 0) {
          this.reasoning.add(this.buf.slice(0, i));
          this.buf = this.buf.slice(i + thinkClose.length);
          this.mode = "text";
          continue;
        }
        const keep = final ? 0 : partialSuffix(this.buf, [thinkClose]);
        this.reasoning.add(this.buf.slice(0, this.buf.length - keep));
        this.buf = this.buf.slice(this.buf.length - keep);
        return;
      } else if (this.mode === "text") {
        if (!this.text(final)) return;
      } else if (this.mode === "call") {
        if (!this.call(final)) return;
      } else {
        if (!final) return;
        const region = this.buf;
        this.buf = "";
        const calls = readWholeAnswer(this.options.format, region, this.options.toolNames ?? new Set());
        if (calls !== null) this.emitCalls(calls);
        else this.content.add(region);
        return;
      }
    }
  }

  /** Text mode; false when it must wait for more text. */
  private text(final: boolean): boolean {
    const toolNames = this.options.toolNames;
    if (toolNames !== null && !this.content.started && this.nCalls === 0 && this.options.format !== "mistral" && this.options.format !== "hermes") {
      const t = this.buf.trimStart();
      if (t === "" && !final) {
        this.buf = "";
        return false;
      }
      if (t.startsWith("{") || (this.options.format === "json" && t.startsWith("["))) {
        this.mode = "whole";
        return true;
      }
    }
    let at = -1;
    let found: Marker | null = null;
    for (const m of this.markers) {
      const i = this.buf.indexOf(m.open);
      if (i >= 0 && (at < 0 || i < at)) [at, found] = [i, m];
    }
    if (found !== null) {
      this.content.add(this.buf.slice(0, at));
      this.wsBeforeCall = this.content.pending; // whitespace before a call is not content, unless the call fails
      this.content.pending = "";
      this.buf = this.buf.slice(at + found.open.length);
      this.marker = found;
      this.mode = "call";
      return true;
    }
    const keep = final ? 0 : partialSuffix(this.buf, this.markers.map((m) => m.open));
    this.content.add(this.buf.slice(0, this.buf.length - keep));
    this.buf = this.buf.slice(this.buf.length - keep);
    return false;
  }

  /** Inside a tool-call region; false when it must wait for more text. */
  private call(final: boolean): boolean {
    const m = this.marker as Marker;
    let region: string;
    let closing = "";
    if (m.end === "tag") {
      const close = m.close as string;
      const i = this.buf.indexOf(close);
      if (i < 0 && !final) return false;
      region = i < 0 ? this.buf : this.buf.slice(0, i);
      closing = i < 0 ? "" : close;
      this.buf = i < 0 ? "" : this.buf.slice(i + close.length);
    } else if (m.end === "json") {
      const end = scanJsonEnd(this.buf, 0);
      if (end === -1 && !final) return false;
      // -2: no JSON follows the marker; the text after it stays in the buffer as ordinary text.
      region = end === -2 ? "" : end < 0 ? this.buf : this.buf.slice(0, end);
      this.buf = end === -2 ? this.buf : end < 0 ? "" : this.buf.slice(end);
    } else {
      if (!final) return false;
      region = this.buf;
      this.buf = "";
    }
    const calls = m.read(region, this.options.toolNames ?? new Set());
    if (calls !== null) this.emitCalls(calls);
    else {
      this.content.pending = this.wsBeforeCall; // not a call after all: the model's text, as it wrote it
      this.content.add(m.open + region + closing);
    }
    this.mode = "text";
    return true;
  }

  private emitCalls(calls: ParsedToolCall[]): void {
    for (const c of calls) {
      if (!this.options.parallelToolCalls && this.nCalls > 0) return;
      this.content.pending = "";
      // Mistral writes 9-character ids (and its template refuses others); a model's own id is kept only then.
      const own = this.options.format === "mistral" && c.id !== undefined && /^[A-Za-z0-9]{9}$/.test(c.id) && !this.ids.has(c.id) ? c.id : undefined;
      const id = own ?? this.options.newId();
      this.ids.add(id);
      this.out.push({ kind: "tool_call", index: this.nCalls++, id, name: c.name, arguments: c.arguments });
    }
  }
}

/** The longest end of `text` that is a proper prefix of one of `markers` (it may become that marker). */
function partialSuffix(text: string, markers: readonly string[]): number {
  let best = 0;
  for (const m of markers) {
    for (let k = Math.min(m.length - 1, text.length); k > best; k--) {
      if (text.endsWith(m.slice(0, k))) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/** The whole answer parsed at once (non-streaming): what the streamed events add up to. */
export interface ChatOutputMessage {
  content: string;
  reasoning: string;
  toolCalls: { index: number; id: string; name: string; arguments: string }[];
}

export function collectChatOutput(events: readonly ChatOutputEvent[], into: ChatOutputMessage = { content: "", reasoning: "", toolCalls: [] }): ChatOutputMessage {
  for (const e of events) {
    if (e.kind === "content") into.content += e.text;
    else if (e.kind === "reasoning") into.reasoning += e.text;
    else into.toolCalls.push({ index: e.index, id: e.id, name: e.name, arguments: e.arguments });
  }
  return into;
}

export function parseChatOutput(options: ChatOutputOptions, text: string): ChatOutputMessage {
  const parser = new ChatOutputParser(options);
  const message = collectChatOutput(parser.push(text));
  return collectChatOutput(parser.finish(), message);
}
