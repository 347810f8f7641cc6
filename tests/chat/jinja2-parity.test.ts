// Template snippets rendered by Python Jinja2 in transformers' environment (tests/chat/fixtures/make-jinja2-cases.py):
// Python's str()/repr of values, json.dumps, whitespace control, loops, str methods, filters, tests, Markup, errors.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChatTemplateError, renderChatTemplate } from "../../src/chat/chat-template.js";
import type { ChatMessage } from "../../src/chat/chat-template.js";
import { parsePythonJson } from "../../src/chat/jinja/python-json-parse.js";

interface SnippetContext {
  messages: ChatMessage[];
  tools: unknown[] | null;
  add_generation_prompt: boolean;
  bos_token: string;
  eos_token: string;
}
interface SnippetCase {
  name: string;
  template: string;
  context: string;
  rendered?: string;
  error?: { type: string; message: string };
}

// Parsed keeping Python's int/float distinction (1e16 and 0.0 in JSON are floats to Python).
const fixture = parsePythonJson(readFileSync("tests/chat/fixtures/jinja2-cases.json", "utf8")) as {
  clock: string;
  contexts: Record<string, SnippetContext>;
  cases: SnippetCase[];
};
const clock = new Date(fixture.clock);

function render(c: SnippetCase): string {
  const context = fixture.contexts[c.context];
  return renderChatTemplate(c.template, {
    messages: context.messages,
    tools: context.tools,
    addGenerationPrompt: context.add_generation_prompt,
    bosToken: context.bos_token,
    eosToken: context.eos_token,
    now: () => clock,
  });
}

describe("Jinja2 parity snippets (tests/chat/fixtures/jinja2-cases.json)", () => {
  for (const c of fixture.cases) {
    if (c.error === undefined) {
      it(`${c.name} renders as Jinja2 does`, () => {
        expect(render(c)).toBe(c.rendered);
      });
    } else {
      const expected = c.error;
      it(`${c.name} raises ${expected.type}`, () => {
        expect(() => render(c)).toThrow(ChatTemplateError);
        try {
          render(c);
        } catch (err) {
          expect({ type: (err as ChatTemplateError).pythonType, message: (err as Error).message }).toEqual(expected);
        }
      });
    }
  }
});
