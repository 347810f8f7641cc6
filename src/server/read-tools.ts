// The tool-calling fields of a chat request: tools, tool_choice, parallel_tool_calls, and the template controls
// chat_template_kwargs and reasoning_format (llama-server's names). Shapes as OpenAI documents them.
import type { ToolChoice, ToolDefinition } from "../chat/tool-definition.js";
import { badField } from "./api-error.js";
import { isObject, optBool } from "./field-readers.js";
import type { JsonObject } from "./field-readers.js";

export interface ToolFields {
  /** Validated tools; empty without. */
  tools: ToolDefinition[];
  /** The tools as the client sent them ({type: "function", function: {...}}), for the chat template. */
  templateTools: JsonObject[] | null;
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  /** Extra variables for the chat template (e.g. enable_thinking). */
  templateKwargs: JsonObject;
  /** "none": <think>…</think> stays in content; "auto": split into reasoning_content where the template has it. */
  reasoningFormat: "auto" | "none";
}

const maxTools = 128;
/** OpenAI: a-z, A-Z, 0-9, underscores and dashes, at most 64 (dots too, as vLLM and llama.cpp allow). */
const toolName = /^[A-Za-z0-9_.-]{1,64}$/;
/** Template variables a request may not replace: the conversation itself. */
const reservedKwargs = new Set(["messages", "tools", "documents", "add_generation_prompt"]);

export const toolFieldNames = ["tools", "tool_choice", "parallel_tool_calls", "chat_template_kwargs", "reasoning_format"];

export function readToolFields(body: JsonObject): ToolFields {
  const tools = readTools(body.tools);
  const toolChoice = readToolChoice(body.tool_choice, tools);
  const forced = toolChoice === "required" || typeof toolChoice === "object";
  for (const other of ["response_format", "json_schema", "grammar"]) {
    if (forced && body[other] !== undefined && body[other] !== null)
      throw badField("tool_choice", `a forced tool_choice (required or a named function) cannot be combined with ${other}: both constrain the whole answer`);
  }
  return {
    tools,
    templateTools: tools.length === 0 ? null : (body.tools as JsonObject[]),
    toolChoice,
    parallelToolCalls: optBool(body, "parallel_tool_calls") ?? true,
    templateKwargs: readTemplateKwargs(body.chat_template_kwargs),
    reasoningFormat: readReasoningFormat(body.reasoning_format),
  };
}

function readTools(v: unknown): ToolDefinition[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badField("tools", "expected an array of tools", "invalid_type");
  if (v.length > maxTools) throw badField("tools", `more than ${maxTools} tools`);
  if (v.length === 0) throw badField("tools", "must not be empty (leave it out for no tools)"); // as OpenAI answers
  const names = new Set<string>();
  return v.map((t, i) => {
    const at = `tools[${i}]`;
    if (!isObject(t)) throw badField(at, "expected an object", "invalid_type");
    if (t.type !== "function") throw badField(`${at}.type`, `expected "function", got ${JSON.stringify(t.type)?.slice(0, 40)}`);
    const f = t.function;
    if (!isObject(f)) throw badField(`${at}.function`, "expected an object with name, description and parameters", "invalid_type");
    if (typeof f.name !== "string" || !toolName.test(f.name)) throw badField(`${at}.function.name`, "expected 1 to 64 letters, digits, '_', '-' or '.'");
    if (names.has(f.name)) throw badField(`${at}.function.name`, `'${f.name}' names two tools`);
    names.add(f.name);
    const tool: ToolDefinition = { name: f.name };
    if (f.description !== undefined && f.description !== null) {
      if (typeof f.description !== "string") throw badField(`${at}.function.description`, "expected a string", "invalid_type");
      tool.description = f.description;
    }
    if (f.parameters !== undefined && f.parameters !== null) {
      if (!isObject(f.parameters)) throw badField(`${at}.function.parameters`, "expected a JSON schema object", "invalid_type");
      tool.parameters = f.parameters;
    }
    if (f.strict !== undefined && f.strict !== null) {
      if (typeof f.strict !== "boolean") throw badField(`${at}.function.strict`, "expected a boolean", "invalid_type");
      tool.strict = f.strict;
    }
    return tool;
  });
}

function readToolChoice(v: unknown, tools: readonly ToolDefinition[]): ToolChoice {
  if (v === undefined || v === null) return tools.length === 0 ? "none" : "auto";
  if (v === "none" || v === "auto" || v === "required") {
    if (v === "required" && tools.length === 0) throw badField("tool_choice", '"required" needs tools');
    return v;
  }
  if (typeof v === "string") throw badField("tool_choice", `expected "none", "auto", "required" or {"type": "function", "function": {"name": …}}, got "${v.slice(0, 40)}"`);
  if (!isObject(v) || v.type !== "function" || !isObject(v.function) || typeof v.function.name !== "string")
    throw badField("tool_choice", 'expected "none", "auto", "required" or {"type": "function", "function": {"name": …}}', "invalid_type");
  const name = v.function.name;
  if (!tools.some((t) => t.name === name)) throw badField("tool_choice.function.name", `'${name.slice(0, 64)}' is not among the tools`);
  return { name };
}

function readTemplateKwargs(v: unknown): JsonObject {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw badField("chat_template_kwargs", "expected an object of template variables", "invalid_type");
  const keys = Object.keys(v);
  if (keys.length > 64) throw badField("chat_template_kwargs", "more than 64 variables");
  for (const key of keys) {
    if (reservedKwargs.has(key)) throw badField(`chat_template_kwargs.${key}`, "is set by the request itself, not by a template variable");
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key)) throw badField("chat_template_kwargs", `'${key.slice(0, 64)}' is not a template variable name`);
  }
  return v;
}

function readReasoningFormat(v: unknown): "auto" | "none" {
  if (v === undefined || v === null) return "auto";
  if (v === "none") return "none";
  if (v === "auto" || v === "deepseek") return "auto"; // llama-server's names for the reasoning_content split
  throw badField("reasoning_format", `expected "auto", "deepseek" or "none", got ${JSON.stringify(v)?.slice(0, 40)}`);
}
