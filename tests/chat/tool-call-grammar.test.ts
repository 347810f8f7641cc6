// The forced-tool_choice grammars, judged by xgrammar itself (the engine that will run them): each accepts a call
// in the model's own syntax whose arguments validate against the tool's schema, and refuses other tools, bad
// arguments and plain text. What it accepts must parse back into that call with the output parser.
import { beforeAll, describe, expect, it } from "vitest";
import { parseChatOutput } from "../../src/chat/chat-output-parser.js";
import type { ToolCallFormat } from "../../src/chat/chat-output-format.js";
import { toolCallGrammar } from "../../src/chat/tool-call-grammar.js";
import type { ToolCallGrammarOptions } from "../../src/chat/tool-call-grammar.js";
import type { ToolDefinition } from "../../src/chat/tool-definition.js";
import { loadXgrammar } from "../../src/grammar/xgrammar-module.js";

const tools: ToolDefinition[] = [
  { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer", minimum: 1, maximum: 7 } }, required: ["city"] } },
  { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string", enum: ["UTC", "CET"] } }, required: ["tz"] } },
];

/** A call to `name` with `args` (raw JSON) written as the format writes it. */
function written(format: ToolCallFormat, name: string, args: string): string {
  if (format === "hermes") return `<tool_call>\n{"name": "${name}", "arguments": ${args}}\n</tool_call>`;
  if (format === "mistral") return `[TOOL_CALLS][{"name": "${name}", "arguments": ${args}}]`;
  if (format === "llama3") return `{"name": "${name}", "parameters": ${args}}`;
  return `{"name": "${name}", "arguments": ${args}}`;
}

let accepts: (o: ToolCallGrammarOptions, text: string) => Promise<boolean>;

beforeAll(async () => {
  const xg = (await loadXgrammar()).api;
  accepts = async (o, text) => {
    const spec = toolCallGrammar(o);
    if (spec === null) throw new Error("no grammar");
    const grammar = await xg.Grammar.fromStructuralTag(JSON.stringify(spec.tag));
    try {
      return await xg.Testings.isGrammarAcceptString(grammar, text);
    } finally {
      grammar.dispose();
    }
  };
}, 60_000);

describe("tool_choice grammars (checked by xgrammar)", () => {
  for (const format of ["hermes", "mistral", "llama3", "json"] as const) {
    const named: ToolCallGrammarOptions = { format, tools, choice: { name: "get_weather" }, parallelToolCalls: false, thinking: "none" };
    const required: ToolCallGrammarOptions = { ...named, choice: "required" };

    it(`${format}: a named choice accepts that tool with valid arguments, and the parser reads it back`, async () => {
      const text = written(format, "get_weather", '{"city": "Paris", "days": 3}');
      expect(await accepts(named, text)).toBe(true);
      const parsed = parseChatOutput({ format, toolNames: new Set(["get_weather", "get_time"]), splitReasoning: false, reasoningOpen: false, parallelToolCalls: true, newId: () => "x" }, text);
      expect(parsed.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([["get_weather", { city: "Paris", days: 3 }]]);
    });

    it(`${format}: a named choice refuses another tool, missing or out-of-range arguments, and text`, async () => {
      expect(await accepts(named, written(format, "get_time", '{"tz": "UTC"}'))).toBe(false);
      expect(await accepts(named, written(format, "get_weather", "{}"))).toBe(false);
      expect(await accepts(named, written(format, "get_weather", '{"city": "Paris", "days": 9}'))).toBe(false);
      expect(await accepts(named, "It is sunny.")).toBe(false);
    });

    it(`${format}: required accepts any of the tools, each with its own schema`, async () => {
      expect(await accepts(required, written(format, "get_time", '{"tz": "CET"}'))).toBe(true);
      expect(await accepts(required, written(format, "get_weather", '{"city": "Oslo"}'))).toBe(true);
      expect(await accepts(required, written(format, "get_time", '{"tz": "PST"}'))).toBe(false);
      expect(await accepts(required, written(format, "get_other", "{}"))).toBe(false);
    });
  }

  it("hermes: parallel calls only when parallel_tool_calls", async () => {
    const two = `${written("hermes", "get_weather", '{"city": "Oslo"}')}\n${written("hermes", "get_time", '{"tz": "UTC"}')}`;
    const base: ToolCallGrammarOptions = { format: "hermes", tools, choice: "required", parallelToolCalls: true, thinking: "none" };
    expect(await accepts(base, two)).toBe(true);
    expect(await accepts({ ...base, parallelToolCalls: false }, two)).toBe(false);
  });

  it("reasoning first: an opened <think> is closed before the call; an optional one may come first", async () => {
    const call = written("hermes", "get_weather", '{"city": "Oslo"}');
    const base: ToolCallGrammarOptions = { format: "hermes", tools, choice: { name: "get_weather" }, parallelToolCalls: false, thinking: "open" };
    expect(await accepts(base, `Let me think.\n</think>\n\n${call}`)).toBe(true);
    expect(await accepts({ ...base, thinking: "optional" }, `<think>\nhm\n</think>${call}`)).toBe(true);
    expect(await accepts({ ...base, thinking: "optional" }, call)).toBe(true);
  });

  it("auto and none force nothing", () => {
    expect(toolCallGrammar({ format: "hermes", tools, choice: "auto", parallelToolCalls: true, thinking: "none" })).toBeNull();
    expect(toolCallGrammar({ format: "hermes", tools, choice: "none", parallelToolCalls: true, thinking: "none" })).toBeNull();
  });
});
