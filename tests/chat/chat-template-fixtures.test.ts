// Every case of tests/fixtures/chat/chat_templates.json (transformers 5.17 apply_chat_template, i.e. Jinja2) must
// render to exactly the reference string, or raise the same Python exception with the same message.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChatTemplateError, renderChatTemplate } from "../../src/chat/chat-template.js";
import type { ChatMessage } from "../../src/chat/chat-template.js";

interface ChatCase {
  template: string;
  conversation: string;
  add_generation_prompt: boolean;
  tools: boolean;
  bos_token: string | null;
  eos_token: string | null;
  rendered?: string;
  error?: string;
}
interface ChatFixture {
  templates: Record<string, string>;
  conversations: Record<string, ChatMessage[]>;
  tools: unknown[];
  cases: ChatCase[];
}

const fixture = JSON.parse(readFileSync("tests/fixtures/chat/chat_templates.json", "utf8")) as ChatFixture;
// The references were rendered on 2026-11-26 (the date strftime_now wrote into the Llama 3.2 cases), so the clock is
// fixed to that day for templates that print today's date.
const fixtureDay = (): Date => new Date(2026, 10, 26, 12, 0, 0);

/** `TypeError("'NoneType' object is not iterable")` → ["TypeError", "'NoneType' object is not iterable"]. */
function parsePythonError(repr: string): [string, string] {
  const match = /^(\w+)\((["'])(.*)\2\)$/s.exec(repr);
  if (!match) throw new Error(`unexpected error repr ${repr}`);
  return [match[1], match[3].replace(/\\(['"\\])/g, "$1")];
}

function render(c: ChatCase): string {
  return renderChatTemplate(fixture.templates[c.template], {
    messages: fixture.conversations[c.conversation],
    tools: c.tools ? fixture.tools : undefined,
    addGenerationPrompt: c.add_generation_prompt,
    bosToken: c.bos_token,
    eosToken: c.eos_token,
    now: fixtureDay,
  });
}

describe("chat templates match transformers/Jinja2 (tests/fixtures/chat)", () => {
  it("covers all 252 cases, 40 of which raise", () => {
    expect(fixture.cases.length).toBe(252);
    expect(fixture.cases.filter((c) => c.error !== undefined).length).toBe(40);
  });

  for (const c of fixture.cases) {
    const name = `${c.template} / ${c.conversation} / generation prompt ${c.add_generation_prompt} / tools ${c.tools}`;
    if (c.error === undefined) {
      it(`${name} renders exactly`, () => {
        expect(render(c)).toBe(c.rendered);
      });
    } else {
      const [pythonType, message] = parsePythonError(c.error);
      it(`${name} raises ${pythonType}`, () => {
        let caught: unknown;
        try {
          render(c);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(ChatTemplateError);
        expect((caught as ChatTemplateError).pythonType).toBe(pythonType);
        expect((caught as ChatTemplateError).message).toBe(message);
      });
    }
  }
});
