// The 21 real templates of tests/fixtures/chat over richer conversations (tool calls and results, string arguments,
// multimodal content, reasoning, a final assistant turn), against Python Jinja2 in transformers' environment
// (tests/chat/fixtures/make-template-conversations.py): the same string, or the same exception and message.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChatTemplateError, renderChatTemplate } from "../../src/chat/chat-template.js";
import type { ChatMessage } from "../../src/chat/chat-template.js";
import { parsePythonJson } from "../../src/chat/jinja/python-json-parse.js";

interface ConversationCase {
  template: string;
  conversation: string;
  add_generation_prompt: boolean;
  tools: boolean;
  extra?: Record<string, unknown>;
  rendered?: string;
  error?: { type: string; message: string };
}
const chat = JSON.parse(readFileSync("tests/fixtures/chat/chat_templates.json", "utf8")) as {
  templates: Record<string, string>;
  tools: unknown[];
  cases: { template: string; bos_token: string | null; eos_token: string | null }[];
};
const fixture = parsePythonJson(readFileSync("tests/chat/fixtures/template-conversations.json", "utf8")) as {
  clock: string;
  conversations: Record<string, ChatMessage[]>;
  cases: ConversationCase[];
};
const clock = new Date(fixture.clock);
const tokens = new Map(chat.cases.map((c) => [c.template, [c.bos_token, c.eos_token] as const]));

function render(c: ConversationCase): string {
  const [bosToken, eosToken] = tokens.get(c.template) ?? [undefined, undefined];
  return renderChatTemplate(chat.templates[c.template], {
    messages: fixture.conversations[c.conversation],
    tools: c.tools ? chat.tools : undefined,
    addGenerationPrompt: c.add_generation_prompt,
    bosToken,
    eosToken,
    extra: c.extra,
    now: () => clock,
  });
}

describe("real templates over richer conversations match Jinja2", () => {
  for (const c of fixture.cases) {
    const extra = c.extra ? ` / ${JSON.stringify(c.extra)}` : "";
    const name = `${c.template} / ${c.conversation} / generation prompt ${c.add_generation_prompt} / tools ${c.tools}${extra}`;
    it(name, () => {
      let out: string | undefined;
      let caught: unknown;
      try {
        out = render(c);
      } catch (err) {
        caught = err;
      }
      if (c.error === undefined) {
        expect(caught).toBeUndefined();
        expect(out).toBe(c.rendered);
      } else {
        expect(caught).toBeInstanceOf(ChatTemplateError);
        expect({ type: (caught as ChatTemplateError).pythonType, message: (caught as Error).message }).toEqual(c.error);
      }
    });
  }
});
