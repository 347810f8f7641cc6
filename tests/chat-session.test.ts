import { describe, expect, it } from "vitest";
import { ChatSession } from "../src/cli/chat/chat-session.js";
import { defaultChatSettings, withSetting } from "../src/cli/chat/chat-settings.js";
import { conversationPrompt } from "../src/cli/chat/conversation-prompt.js";
import { InputError } from "../src/errors.js";
import { loadModel } from "../src/model/load-model.js";
import { loadTokenizer } from "../src/tokenizer/load-tokenizer.js";

// The chat's conversation handling on the bundled stories-7m (no chat template, context 512).
const model = loadModel("models/stories-7m/stories-7m-f16.gguf");
const tokenizer = loadTokenizer("models/stories-7m/stories-7m-f16.gguf");
const greedy = (maxTokens: number) => withSetting(withSetting(defaultChatSettings(), "temperature", "0", 4096), "max_tokens", String(maxTokens), 4096);

describe("conversationPrompt without a chat template", () => {
  it("one user message is the plain prompt with BOS; an answer continues the text; other messages start a line", () => {
    expect(conversationPrompt(tokenizer, [{ role: "user", content: "Once upon a time" }])).toEqual(tokenizer.encode("Once upon a time"));
    const messages = [
      { role: "system", content: "Stories for children." },
      { role: "user", content: "Once upon a time" },
      { role: "assistant", content: ", there was a cat." },
      { role: "user", content: "The cat ran." },
    ];
    expect(conversationPrompt(tokenizer, messages)).toEqual(tokenizer.encode("Stories for children.\nOnce upon a time, there was a cat.\nThe cat ran."));
  });
});

describe("conversationPrompt with a chat template", () => {
  // llama.cpp's Phi-3 vocabulary file carries Phi-3's template (tokenizer.chat_template).
  const phi3 = loadTokenizer("tests/fixtures/vocab/ggml-vocab-phi-3.gguf");

  it("renders the conversation with the generation prompt; the template's special tokens are single ids", () => {
    expect(phi3.chatTemplate).toBeDefined();
    const ids = conversationPrompt(phi3, [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "Tell a story." },
    ]);
    const text = phi3.decode(ids, { skipSpecialTokens: false });
    expect(text).toMatch(/<\|user\|>\s*Hi<\|end\|>\s*<\|assistant\|>\s*Hello\.<\|end\|>\s*<\|user\|>\s*Tell a story\.<\|end\|>\s*<\|assistant\|>\s*$/);
    expect(ids.filter((id) => phi3.decode([id], { skipSpecialTokens: false }) === "<|user|>")).toHaveLength(2);
  });
});

describe("ChatSession", () => {
  it("prompts each turn with the whole conversation, and /clear forgets it", async () => {
    const session = new ChatSession(model, tokenizer, { settings: greedy(16) });
    const a = await session.ask("Once upon a time", () => {});
    const b = await session.ask("The dog barked.", () => {});
    expect(b.promptTokens).toBe(tokenizer.encode(`Once upon a time${a.text}\nThe dog barked.`).length);
    session.clear();
    const c = await session.ask("Once upon a time", () => {});
    expect(c.text).toBe(a.text);
    expect(c.promptTokens).toBe(5);
  });

  it("drops the oldest exchanges so that max_tokens still fits the context", async () => {
    const ctxSize = 96;
    const session = new ChatSession(model, tokenizer, { settings: greedy(32), ctxSize });
    const dropped: number[] = [];
    for (const line of ["Once upon a time", "The cat sat on the mat.", "A bird sang.", "The sun was hot.", "They went home."]) {
      const r = await session.ask(line, () => {}, undefined, (n) => dropped.push(n));
      expect(r.promptTokens + 32).toBeLessThanOrEqual(ctxSize);
      expect(r.tokens).toBeGreaterThan(0);
    }
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((n) => n % 2 === 0)).toBe(true);
  });

  it("an aborted answer keeps what was streamed and finishes as abort", async () => {
    const session = new ChatSession(model, tokenizer, { settings: greedy(400) });
    const controller = new AbortController();
    let streamed = "";
    const r = await session.ask("Once upon a time", (t) => {
      streamed += t;
      if (streamed.length > 20) controller.abort();
    }, controller.signal);
    expect(r.finishReason).toBe("abort");
    expect(r.text).toBe(streamed);
    expect(r.tokens).toBeLessThan(100);
    expect(session.lastResult).toBe(r);
  });
});

describe("withSetting", () => {
  it("changes one setting, refuses unknown names and out-of-range values, and 'seed random' unsets the seed", () => {
    const s = withSetting(defaultChatSettings(), "top_k", "5", 4096);
    expect(s.sampling.topK).toBe(5);
    expect(withSetting(s, "seed", "7", 4096).sampling.seed).toBe(7);
    expect(withSetting(withSetting(s, "seed", "7", 4096), "seed", "random", 4096).sampling.seed).toBeUndefined();
    expect(() => withSetting(s, "topk", "5", 4096)).toThrow(InputError);
    expect(() => withSetting(s, "top_k", "1.5", 4096)).toThrow(/top_k 1.5: expected an integer/);
    expect(() => withSetting(s, "min_p", "2", 4096)).toThrow(/min_p 2: .*expected in \[0, 1\]/);
    expect(() => withSetting(s, "max_tokens", "0", 4096)).toThrow(/max_tokens 0: expected an integer ≥ 1/);
  });
});
