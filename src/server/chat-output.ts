// A chat answer in OpenAI's tool-calling and reasoning shapes: which parser options a request gets, the grammar a
// forced tool_choice needs, and the stream chunks / message built from the parser's events (src/chat).
import { promptOpensThinking } from "../chat/chat-output-format.js";
import type { ChatOutputFormat } from "../chat/chat-output-format.js";
import type { ChatOutputEvent, ChatOutputMessage, ChatOutputOptions } from "../chat/chat-output-parser.js";
import { toolCallGrammar } from "../chat/tool-call-grammar.js";
import type { ToolCallGrammarSpec } from "../chat/tool-call-grammar.js";
import { newToolCallId } from "../chat/tool-call-id.js";
import { badField } from "./api-error.js";
import type { GenerationRequest } from "./parse-generation-request.js";
import type { ServedModel } from "./served-model.js";

/** How many prompt tokens are decoded to see whether the prompt ends inside <think>. */
const promptTailTokens = 8;

/** The parser options for a chat request, or null when its answer is plain content (no tools in play, no reasoning split). */
export function chatOutputOptions(served: ServedModel, format: ChatOutputFormat, r: GenerationRequest, promptIds: readonly number[]): ChatOutputOptions | null {
  if (r.kind !== "chat") return null;
  const tf = r.toolFields;
  if (tf.tools.length > 0 && served.chatTemplate === undefined)
    throw badField("tools", "the model has no chat template to show the tools to it; start the server with --chat-template-file");
  const toolsActive = tf.tools.length > 0 && tf.toolChoice !== "none";
  const splitReasoning = format.reasoning && tf.reasoningFormat !== "none";
  if (!toolsActive && !splitReasoning) return null;
  let tail = "";
  for (let i = Math.max(0, promptIds.length - promptTailTokens); i < promptIds.length; i++) tail += served.tokenPiece(promptIds[i]).text;
  return {
    format: format.toolCalls,
    toolNames: toolsActive ? new Set(tf.tools.map((t) => t.name)) : null,
    splitReasoning,
    reasoningOpen: format.reasoning && promptOpensThinking(tail),
    parallelToolCalls: tf.parallelToolCalls,
    newId: () => newToolCallId(format.toolCalls),
  };
}

/** The grammar a forced tool_choice ("required" or a named function) puts on the answer; null otherwise. */
export function toolChoiceGrammar(format: ChatOutputFormat, r: GenerationRequest, options: ChatOutputOptions | null): ToolCallGrammarSpec | null {
  const tf = r.toolFields;
  if (options === null || tf.tools.length === 0) return null;
  const thinking = !format.reasoning ? "none" : options.reasoningOpen ? "open" : "optional";
  return toolCallGrammar({ format: format.toolCalls, tools: tf.tools, choice: tf.toolChoice, parallelToolCalls: tf.parallelToolCalls, thinking });
}

type Delta = Record<string, unknown>;

/** The deltas of one batch of events, as OpenAI streams them: a call's index, id, type and name first, then its arguments. */
export function chatEventDeltas(events: readonly ChatOutputEvent[]): Delta[] {
  const deltas: Delta[] = [];
  for (const e of events) {
    if (e.kind === "content") deltas.push({ content: e.text });
    else if (e.kind === "reasoning") deltas.push({ reasoning_content: e.text });
    else {
      deltas.push({ tool_calls: [{ index: e.index, id: e.id, type: "function", function: { name: e.name, arguments: "" } }] });
      deltas.push({ tool_calls: [{ index: e.index, function: { arguments: e.arguments } }] });
    }
  }
  return deltas;
}

/** OpenAI's finish_reason for a parsed answer: "tool_calls" when it ended by itself after calling tools. */
export function chatFinishReason(engineReason: "stop" | "length" | null, toolCalls: number): string | null {
  return engineReason === "stop" && toolCalls > 0 ? "tool_calls" : engineReason;
}

/** The non-streamed message: content null beside tool calls (as OpenAI answers), reasoning_content when there was some. */
export function chatMessage(parsed: ChatOutputMessage): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: parsed.toolCalls.length > 0 && parsed.content === "" ? null : parsed.content };
  if (parsed.reasoning !== "") message.reasoning_content = parsed.reasoning;
  if (parsed.toolCalls.length > 0) message.tool_calls = parsed.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
  return message;
}
