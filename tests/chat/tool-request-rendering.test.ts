// A chat request in OpenAI's shapes (tools, an assistant turn with tool_calls whose arguments are a JSON string, a
// tool message with tool_call_id, reasoning_content, chat_template_kwargs), read by the server's request parser and
// handed to each of the 21 fixture templates, renders exactly as Python Jinja2 rendered the same conversation in
// Hugging Face's shape (tests/chat/fixtures/template-conversations.json, arguments as objects) — or raises the same error.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChatTemplateError, renderChatTemplate } from "../../src/chat/chat-template.js";
import { parsePythonJson } from "../../src/chat/jinja/python-json-parse.js";
import { parseGenerationRequest } from "../../src/server/parse-generation-request.js";
import { templateMessage } from "../../src/server/prompt-encoder.js";

interface ConversationCase {
  template: string;
  conversation: string;
  add_generation_prompt: boolean;
  tools: boolean;
  extra?: Record<string, unknown>;
  rendered?: string;
  error?: { type: string; message: string };
}
type HfMessage = Record<string, unknown> & { role: string; tool_calls?: { id: string; type: string; function: { name: string; arguments: unknown } }[] };
const chat = JSON.parse(readFileSync("tests/fixtures/chat/chat_templates.json", "utf8")) as {
  templates: Record<string, string>;
  tools: Record<string, unknown>[];
  cases: { template: string; bos_token: string | null; eos_token: string | null }[];
};
const fixture = parsePythonJson(readFileSync("tests/chat/fixtures/template-conversations.json", "utf8")) as {
  clock: string;
  conversations: Record<string, HfMessage[]>;
  cases: ConversationCase[];
};
const clock = new Date(fixture.clock);
const tokens = new Map(chat.cases.map((c) => [c.template, [c.bos_token, c.eos_token] as const]));

/** The conversation as an OpenAI client sends it: arguments serialized to a JSON string. */
function openaiMessages(messages: HfMessage[]): unknown[] {
  return messages.map((m) =>
    m.tool_calls === undefined ? m : { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments) } })) },
  );
}

function renderFromRequest(c: ConversationCase): string {
  const body: Record<string, unknown> = { messages: openaiMessages(fixture.conversations[c.conversation]) };
  if (c.tools) body.tools = chat.tools;
  if (c.extra?.enable_thinking !== undefined) body.chat_template_kwargs = c.extra;
  const r = parseGenerationRequest("chat", body, { vocabSize: 32000, ctxLen: 4096, maxN: 4 });
  const [bosToken, eosToken] = tokens.get(c.template) ?? [undefined, undefined];
  return renderChatTemplate(chat.templates[c.template], {
    messages: r.messages.map(templateMessage),
    tools: r.toolFields.templateTools,
    addGenerationPrompt: c.add_generation_prompt,
    bosToken,
    eosToken,
    extra: { ...r.toolFields.templateKwargs, ...(c.extra?.date_string !== undefined ? c.extra : {}) },
    now: () => clock,
  });
}

const chosen = fixture.cases.filter((c) => c.conversation === "tool-roundtrip" || c.conversation === "reasoning" || c.conversation === "assistant-last");

describe("OpenAI-shaped tool requests render as Jinja2 renders the Hugging Face conversation", () => {
  it("covers the tool round trip for all 21 templates, with and without tools", () => {
    expect(new Set(chosen.filter((c) => c.conversation === "tool-roundtrip" && c.tools).map((c) => c.template)).size).toBe(21);
  });
  for (const c of chosen) {
    const name = `${c.template} / ${c.conversation} / generation prompt ${c.add_generation_prompt} / tools ${c.tools}${c.extra ? ` / ${JSON.stringify(c.extra)}` : ""}`;
    it(name, () => {
      let out: string | undefined;
      let caught: unknown;
      try {
        out = renderFromRequest(c);
      } catch (err) {
        caught = err;
      }
      if (c.error === undefined) {
        expect(caught).toBeUndefined();
        expect(out).toBe(c.rendered);
      } else {
        expect(caught).toBeInstanceOf(ChatTemplateError);
        expect((caught as ChatTemplateError).pythonType).toBe(c.error.type);
        expect((caught as ChatTemplateError).message).toBe(c.error.message);
      }
    });
  }
});
