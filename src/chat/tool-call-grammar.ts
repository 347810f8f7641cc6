// The grammar that enforces tool_choice "required" or a named function: the model's own tool-call syntax around
// JSON that names an allowed tool and whose arguments validate against that tool's `parameters`. Written as an
// xgrammar structural tag (node_modules/@mlc-ai/web-xgrammar/lib/structural_tag.d.ts), the form vLLM and SGLang
// hand to xgrammar for tool calls.
import type { StructuralTag, StructuralTagFormat, TagFormat } from "@mlc-ai/web-xgrammar";
import type { ToolCallFormat } from "./chat-output-format.js";
import type { ToolChoice, ToolDefinition } from "./tool-definition.js";

/** The `structural_tag` case of the engine's GrammarSpec (src/grammar): what RequestParams.grammar takes. */
export interface ToolCallGrammarSpec {
  kind: "structural_tag";
  tag: StructuralTag;
}

export interface ToolCallGrammarOptions {
  format: ToolCallFormat;
  tools: readonly ToolDefinition[];
  choice: ToolChoice;
  parallelToolCalls: boolean;
  /**
   * Where the model's reasoning stands when the answer begins: "open" (the prompt opened <think>: reasoning, then
   * </think>, then the calls), "optional" (the template knows <think>: an optional <think>…</think> first), or "none".
   */
  thinking: "none" | "open" | "optional";
}

const anyArguments = { type: "object" };

/** The JSON of one call: {"name": <const>, <argsKey>: <the tool's parameters schema>}. */
function callSchema(tool: ToolDefinition, argsKey: "arguments" | "parameters"): Record<string, unknown> {
  return {
    type: "object",
    properties: { name: { type: "string", const: tool.name }, [argsKey]: tool.parameters ?? anyArguments },
    required: ["name", argsKey],
    additionalProperties: false,
  };
}

function oneOfCalls(tools: readonly ToolDefinition[], argsKey: "arguments" | "parameters"): Record<string, unknown> {
  return tools.length === 1 ? callSchema(tools[0], argsKey) : { anyOf: tools.map((t) => callSchema(t, argsKey)) };
}

function callsFormat(format: ToolCallFormat, tools: readonly ToolDefinition[], parallel: boolean): StructuralTagFormat {
  if (format === "hermes") {
    const tags: TagFormat[] = tools.map((t) => ({ type: "tag", begin: "<tool_call>\n", content: { type: "json_schema", json_schema: callSchema(t, "arguments") }, end: "\n</tool_call>" }));
    return { type: "tags_with_separator", tags, separator: "\n", at_least_one: true, stop_after_first: !parallel };
  }
  if (format === "mistral") {
    const list = { type: "array", items: oneOfCalls(tools, "arguments"), minItems: 1, ...(parallel ? {} : { maxItems: 1 }) };
    return { type: "sequence", elements: [{ type: "const_string", value: "[TOOL_CALLS]" }, { type: "json_schema", json_schema: list }] };
  }
  // Llama 3's bare call and the plain-JSON fallback: one call object (Llama 3.2's template allows only one per turn).
  if (format === "llama3" || !parallel) return { type: "json_schema", json_schema: oneOfCalls(tools, format === "llama3" ? "parameters" : "arguments") };
  return { type: "json_schema", json_schema: { type: "array", items: oneOfCalls(tools, "arguments"), minItems: 1 } };
}

/** The grammar for a forced tool_choice; null for "auto" and "none" (nothing is forced). */
export function toolCallGrammar(o: ToolCallGrammarOptions): ToolCallGrammarSpec | null {
  if (o.choice === "auto" || o.choice === "none") return null;
  const named = o.choice;
  const tools = named === "required" ? o.tools : o.tools.filter((t) => t.name === named.name);
  if (tools.length === 0) throw new Error(`tool_choice names '${named === "required" ? "" : named.name}', which is not among the tools`);
  let format = callsFormat(o.format, tools, named === "required" && o.parallelToolCalls);
  // Reasoning models write "</think>\n\n" before the answer: blank lines may follow the closing tag.
  const blank: StructuralTagFormat = { type: "regex", pattern: "[ \\n]*" };
  if (o.thinking === "open") {
    format = { type: "sequence", elements: [{ type: "tag", begin: "", content: { type: "any_text" }, end: "</think>" }, blank, format] };
  } else if (o.thinking === "optional") {
    const think: StructuralTagFormat = { type: "tag", begin: "<think>", content: { type: "any_text" }, end: "</think>" };
    format = { type: "or", elements: [{ type: "sequence", elements: [think, blank, format] }, format] };
  }
  return { kind: "structural_tag", tag: { type: "structural_tag", format } };
}
