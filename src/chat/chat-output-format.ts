// Which tool-call syntax and reasoning markers a model writes, read from its chat template as llama.cpp's
// common/chat.cpp picks a format (by the markers the template itself renders) and vLLM names its tool parsers
// (hermes, llama3_json, mistral).

/**
 * - `hermes`: `<tool_call>{"name", "arguments"}</tool_call>` (Hermes 2 Pro / 3, Qwen2.5, Qwen3);
 * - `llama3`: a bare `{"name", "parameters"}` answer, or `<|python_tag|>` then JSON (Llama 3.1 / 3.2 / 3.3);
 * - `mistral`: `[TOOL_CALLS][{"name", "arguments", "id"}]` (Mistral Nemo and v3 tokenizers);
 * - `json`: a plain JSON answer naming a tool (any other template).
 */
export type ToolCallFormat = "hermes" | "llama3" | "mistral" | "json";

export interface ChatOutputFormat {
  toolCalls: ToolCallFormat;
  /** The template knows `<think>…</think>` (Qwen3, DeepSeek-R1): the output's reasoning can be split off. */
  reasoning: boolean;
}

/** The format of `template`'s answers; a model without a template gets the plain-JSON fallback and no reasoning split. */
export function detectChatOutputFormat(template: string | undefined): ChatOutputFormat {
  if (template === undefined) return { toolCalls: "json", reasoning: false };
  const reasoning = template.includes("</think>");
  if (template.includes("<tool_call>")) return { toolCalls: "hermes", reasoning };
  if (template.includes("[TOOL_CALLS]")) return { toolCalls: "mistral", reasoning };
  // Functionary v3.1 also renders ipython turns, but answers with <function=…>: not Llama 3's syntax.
  if (template.includes("<|start_header_id|>") && template.includes("ipython") && !template.includes("<function=")) return { toolCalls: "llama3", reasoning };
  return { toolCalls: "json", reasoning };
}

/** Whether a rendered prompt leaves the model inside `<think>` (DeepSeek-R1 and Qwen3 templates that open it): the output then only has `</think>`. */
export function promptOpensThinking(promptTail: string): boolean {
  return promptTail.trimEnd().endsWith("<think>");
}

/** The marker strings of a format's answers: where a tokenizer has them as special tokens, they must still reach the text. */
export function outputMarkers(format: ChatOutputFormat): string[] {
  const markers = format.reasoning ? ["<think>", "</think>"] : [];
  if (format.toolCalls === "hermes") markers.push("<tool_call>", "</tool_call>");
  else if (format.toolCalls === "mistral") markers.push("[TOOL_CALLS]");
  else if (format.toolCalls === "llama3") markers.push("<|python_tag|>");
  return markers;
}
