// 16 more templates from llama.cpp's models/templates (gpt-oss, Gemma 4, Qwen3-Coder, Kimi K2, Granite 4, Seed-OSS
// with integer dict keys, …) against Python Jinja2 in transformers' environment
// (tests/chat/fixtures/make-llamacpp-cases.py): renderings compared by SHA-256 and length, errors by type and message.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChatTemplateError, renderChatTemplate } from "../../src/chat/chat-template.js";
import type { ChatMessage } from "../../src/chat/chat-template.js";
import { parsePythonJson } from "../../src/chat/jinja/python-json-parse.js";

interface LlamaCppCase {
  template: string;
  conversation: string;
  add_generation_prompt: boolean;
  tools: boolean;
  rendered_sha256?: string;
  rendered_length?: number;
  error?: { type: string; message: string };
}
const fixture = parsePythonJson(readFileSync("tests/chat/fixtures/llamacpp-templates.json", "utf8")) as {
  clock: string;
  bos_token: string;
  eos_token: string;
  templates: Record<string, string>;
  conversations: Record<string, ChatMessage[]>;
  tools: unknown[];
  cases: LlamaCppCase[];
};
const clock = new Date(fixture.clock);

/** Python's len() counts code points. */
const codePoints = (text: string): number => Array.from(text).length;

describe("llama.cpp's chat templates match Jinja2", () => {
  it("covers 16 templates", () => {
    expect(Object.keys(fixture.templates).length).toBe(16);
    expect(fixture.cases.length).toBe(448);
  });

  for (const c of fixture.cases) {
    it(`${c.template} / ${c.conversation} / generation prompt ${c.add_generation_prompt} / tools ${c.tools}`, () => {
      let out: string | undefined;
      let caught: unknown;
      try {
        out = renderChatTemplate(fixture.templates[c.template], {
          messages: fixture.conversations[c.conversation],
          tools: c.tools ? fixture.tools : undefined,
          addGenerationPrompt: c.add_generation_prompt,
          bosToken: fixture.bos_token,
          eosToken: fixture.eos_token,
          now: () => clock,
        });
      } catch (err) {
        caught = err;
      }
      if (c.error === undefined) {
        expect(caught).toBeUndefined();
        expect({ length: codePoints(out ?? ""), sha256: createHash("sha256").update(out ?? "").digest("hex") }).toEqual({
          length: c.rendered_length,
          sha256: c.rendered_sha256,
        });
      } else {
        expect(caught).toBeInstanceOf(ChatTemplateError);
        expect({ type: (caught as ChatTemplateError).pythonType, message: (caught as Error).message }).toEqual(c.error);
      }
    });
  }
});
