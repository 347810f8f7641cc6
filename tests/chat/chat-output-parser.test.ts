// The output parser on the tool-call syntaxes of the fixture templates (Hermes/Qwen, Llama 3.x, Mistral, plain JSON)
// and on <think> reasoning. The expected messages are written by hand from the formats' documentation (the strings
// the templates in tests/fixtures/chat render for an assistant's tool calls); every split point of every answer must
// give the same events as the whole answer at once (streamed deltas reassemble to the non-streamed message).
import { describe, expect, it } from "vitest";
import { ChatOutputParser, collectChatOutput, parseChatOutput } from "../../src/chat/chat-output-parser.js";
import type { ChatOutputMessage, ChatOutputOptions } from "../../src/chat/chat-output-parser.js";
import type { ToolCallFormat } from "../../src/chat/chat-output-format.js";

function options(format: ToolCallFormat, extra: Partial<ChatOutputOptions> = {}): ChatOutputOptions {
  let n = 0;
  return { format, toolNames: new Set(["get_weather", "get_time", "python"]), splitReasoning: false, reasoningOpen: false, parallelToolCalls: true, newId: () => `call_${n++}`, ...extra };
}

const call = (index: number, name: string, args: unknown) => ({ index, id: `call_${index}`, name, arguments: JSON.stringify(args) });

interface Case {
  name: string;
  format: ToolCallFormat;
  extra?: Partial<ChatOutputOptions>;
  output: string;
  expected: ChatOutputMessage;
}

const paris = { city: "Paris" };
const cases: Case[] = [
  { name: "hermes: one call", format: "hermes", output: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris)] } },
  {
    name: "hermes: text around two parallel calls",
    format: "hermes",
    output: 'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {"tz": "CET"}}\n</tool_call>\nDone.',
    expected: { content: "Let me check.\nDone.", reasoning: "", toolCalls: [call(0, "get_weather", paris), call(1, "get_time", { tz: "CET" })] },
  },
  { name: "hermes: malformed JSON stays content", format: "hermes", output: 'Hi <tool_call>\n{"name": "get_weather", "arguments": {"city": }\n</tool_call>', expected: { content: 'Hi <tool_call>\n{"name": "get_weather", "arguments": {"city": }\n</tool_call>', reasoning: "", toolCalls: [] } },
  { name: "hermes: unclosed call at the end is still a call", format: "hermes", output: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris)] } },
  { name: "hermes: a lone '<' is text", format: "hermes", output: "a < b and <tool", expected: { content: "a < b and <tool", reasoning: "", toolCalls: [] } },
  { name: "hermes: arguments as a JSON string", format: "hermes", output: '<tool_call>{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}</tool_call>', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris)] } },
  {
    name: "qwen3: reasoning, then a call",
    format: "hermes",
    extra: { splitReasoning: true },
    output: '<think>\nThe user wants weather.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
    expected: { content: "", reasoning: "The user wants weather.", toolCalls: [call(0, "get_weather", paris)] },
  },
  { name: "deepseek-r1: the prompt opened <think>", format: "json", extra: { splitReasoning: true, reasoningOpen: true, toolNames: null }, output: "Hmm, 2+2.\n</think>\n\nIt is 4.", expected: { content: "It is 4.", reasoning: "Hmm, 2+2.", toolCalls: [] } },
  { name: "reasoning: no think tag at all", format: "json", extra: { splitReasoning: true, toolNames: null }, output: "Just an answer <b>.", expected: { content: "Just an answer <b>.", reasoning: "", toolCalls: [] } },
  { name: "reasoning: truncated inside think", format: "json", extra: { splitReasoning: true, toolNames: null }, output: "<think>still thinking </th", expected: { content: "", reasoning: "still thinking </th", toolCalls: [] } },
  { name: "llama3: bare JSON with parameters", format: "llama3", output: '{"name": "get_weather", "parameters": {"city": "Paris"}}', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris)] } },
  { name: "llama3: two calls separated by ;", format: "llama3", output: '{"name": "get_weather", "parameters": {"city": "Paris"}}; {"name": "get_time", "parameters": {}}', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris), call(1, "get_time", {})] } },
  { name: "llama3: JSON naming no tool is content", format: "llama3", output: '{"name": "Bob", "parameters": {}}', expected: { content: '{"name": "Bob", "parameters": {}}', reasoning: "", toolCalls: [] } },
  { name: "llama3: <|python_tag|> JSON", format: "llama3", output: '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris)] } },
  { name: "llama3: <|python_tag|> code for the python tool", format: "llama3", output: "Sure.<|python_tag|>print(1 + 1)", expected: { content: "Sure.", reasoning: "", toolCalls: [call(0, "python", { code: "print(1 + 1)" })] } },
  { name: "llama3: text is text", format: "llama3", output: "The weather is {sunny}.", expected: { content: "The weather is {sunny}.", reasoning: "", toolCalls: [] } },
  {
    name: "mistral: a list of calls with ids",
    format: "mistral",
    output: '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abcDEF123"}, {"name": "get_time", "arguments": {}}]',
    expected: { content: "", reasoning: "", toolCalls: [{ ...call(0, "get_weather", paris), id: "abcDEF123" }, { ...call(1, "get_time", {}), id: "call_0" }] },
  },
  { name: "mistral: no JSON after the marker", format: "mistral", output: "[TOOL_CALLS] sorry", expected: { content: "[TOOL_CALLS] sorry", reasoning: "", toolCalls: [] } },
  { name: "json: {tool_calls: [...]}", format: "json", output: ' {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris)] } },
  { name: "json: a list of calls", format: "json", output: '[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time", "arguments": {}}]', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris), call(1, "get_time", {})] } },
  { name: "json: other JSON is content", format: "json", output: '{"answer": 42}', expected: { content: '{"answer": 42}', reasoning: "", toolCalls: [] } },
  { name: "parallel_tool_calls false keeps the first", format: "json", extra: { parallelToolCalls: false }, output: '[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time", "arguments": {}}]', expected: { content: "", reasoning: "", toolCalls: [call(0, "get_weather", paris)] } },
  { name: "no tools: markers are text", format: "hermes", extra: { toolNames: null }, output: '<tool_call>{"name": "get_weather", "arguments": {}}</tool_call>', expected: { content: '<tool_call>{"name": "get_weather", "arguments": {}}</tool_call>', reasoning: "", toolCalls: [] } },
];

/** The events of `output` pushed in the pieces cut at `cuts`, collected. */
function parseInPieces(o: ChatOutputOptions, output: string, cuts: number[]): ChatOutputMessage {
  const parser = new ChatOutputParser(o);
  const message: ChatOutputMessage = { content: "", reasoning: "", toolCalls: [] };
  let from = 0;
  for (const cut of [...cuts, output.length]) {
    collectChatOutput(parser.push(output.slice(from, cut)), message);
    from = cut;
  }
  return collectChatOutput(parser.finish(), message);
}

describe("chat output parser", () => {
  for (const c of cases) {
    it(`${c.name}`, () => {
      expect(parseChatOutput(options(c.format, c.extra), c.output)).toEqual(c.expected);
    });
    it(`${c.name}: same message at every split point, in two and in three pieces`, () => {
      for (let i = 0; i <= c.output.length; i++) {
        expect(parseInPieces(options(c.format, c.extra), c.output, [i]), `split at ${i}`).toEqual(c.expected);
        for (let j = i; j <= c.output.length; j += 3) expect(parseInPieces(options(c.format, c.extra), c.output, [i, j]), `split at ${i}, ${j}`).toEqual(c.expected);
      }
    });
  }

  it("one character at a time: content is released before the call, not held to the end", () => {
    const parser = new ChatOutputParser(options("hermes"));
    const text = 'Checking now.\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>';
    const seen: string[] = [];
    let content = "";
    for (const ch of text) {
      for (const e of parser.push(ch)) {
        seen.push(e.kind);
        if (e.kind === "content") content += e.text;
      }
      if (ch === ".") expect(content).toBe("Checking now."); // released as soon as it cannot be a marker
    }
    expect(seen.at(-1)).toBe("tool_call");
    expect(seen.filter((k) => k === "tool_call")).toHaveLength(1);
    expect(parser.finish()).toEqual([]);
  });
});
