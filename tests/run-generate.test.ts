import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generate, type GenerationResult } from "../src/engine/generate.js";
import { generateStream } from "../src/engine/generate-stream.js";
import { loadModel } from "../src/model/load-model.js";
import { loadTokenizer } from "../src/tokenizer/load-tokenizer.js";

// Reference: models/stories-7m/reference.json (transformers, float32 math on the float16 weights): each prompt's
// ids (BOS first) and its first greedy tokens, with the top-1/top-2 margin at each step.
interface PromptRef {
  prompt: string;
  ids: number[];
  greedy: number[];
  greedy_margins: number[];
}
const ref = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: PromptRef[] };
const model = loadModel("models/stories-7m/stories-7m-f16.gguf");
const tokenizer = loadTokenizer("models/stories-7m/hf");

describe("generate() on stories-7m", () => {
  it("tokenizes with BOS and, greedy, continues each reference prompt with its greedy tokens", async () => {
    for (const p of ref.prompts) {
      const firstTight = p.greedy_margins.findIndex((m) => m <= 1e-3);
      const n = Math.min(16, firstTight < 0 ? p.greedy.length : firstTight);
      const result = await generate(model, tokenizer, p.prompt, { maxTokens: n, sampling: { temperature: 0 } });
      expect(result.promptTokens).toBe(p.ids.length);
      expect(result.tokenIds).toEqual(p.greedy.slice(0, n));
      expect(result.finishReason).toBe("length");
      expect(result.text).toBe(tokenizer.decode(p.greedy.slice(0, n)));
    }
  }, 120_000);

  it("streams the same text it returns and reports timings", async () => {
    const pieces: string[] = [];
    const result = await generate(model, tokenizer, "Once upon a time", { maxTokens: 12, sampling: { seed: 1 }, onText: (t) => pieces.push(t) });
    expect(pieces.join("")).toBe(result.text);
    expect(result.tokens).toBeGreaterThan(0);
    const t = result.timings;
    expect(t.ttftMs).toBeGreaterThan(0);
    expect(t.prefillTokensPerSec).toBeGreaterThan(0);
    if (result.tokens > 2) {
      expect(t.decodeTokensPerSec).toBeGreaterThan(0);
      expect(t.itlMs.p50).toBeGreaterThan(0);
      expect(t.itlMs.p99).toBeGreaterThanOrEqual(t.itlMs.p50);
    }
  }, 60_000);

  it("stops at the tokenizer's EOS id (</s> = 2) without emitting it", async () => {
    expect(tokenizer.eosIds).toContain(2);
    // A +100 bias on id 2 makes </s> the argmax at the first step.
    const r = await generate(model, tokenizer, "Once upon a time", { maxTokens: 10, sampling: { temperature: 0, logitBias: new Map([[2, 100]]) } });
    expect(r.finishReason).toBe("stop");
    expect(r.tokens).toBe(0);
    expect(r.text).toBe("");
  }, 60_000);

  it("reports OpenAI-style logprobs: log-softmax of the raw logits, the chosen token among the top alternatives", async () => {
    // reference.json's top-10 logits after prompt 0 give log p(top1) − log p(top2) = 15.8191 − 13.5215 = 2.2976.
    const seen: Array<{ id: number; logprob: number; top: ReadonlyArray<{ id: number; logprob: number }> }> = [];
    await generate(model, tokenizer, "Once upon a time", { maxTokens: 1, sampling: { temperature: 0 }, topLogprobs: 3, onToken: (id, logprob, top) => seen.push({ id, logprob, top }) });
    const first = seen[0]!;
    expect(first.id).toBe(4039);
    expect(first.top.map((t) => t.id)).toEqual([4039, 401, 316]);
    expect(first.top[0]!.logprob).toBe(first.logprob);
    expect(first.logprob).toBeLessThan(0);
    expect(first.top[0]!.logprob - first.top[1]!.logprob).toBeCloseTo(15.819073677062988 - 13.521491050720215, 2);
  }, 60_000);

  it("the same seed gives the same text; a stop string ends the text before it", async () => {
    const a = await generate(model, tokenizer, "Once upon a time", { maxTokens: 24, sampling: { seed: 42, temperature: 1 } });
    const b = await generate(model, tokenizer, "Once upon a time", { maxTokens: 24, sampling: { seed: 42, temperature: 1 } });
    expect(b.tokenIds).toEqual(a.tokenIds);
    // Greedy text is ", there was a little girl named Lily. She loved ..." (reference.json prompt 0).
    const s = await generate(model, tokenizer, "Once upon a time", { maxTokens: 24, sampling: { temperature: 0 }, stop: ["Lily"] });
    expect(s.text).toBe(", there was a little girl named ");
    expect(s.finishReason).toBe("stop");
  }, 60_000);
});

describe("generateStream() on stories-7m", () => {
  it("yields token and text events, then done; the texts join to the result's text", async () => {
    const ids: number[] = [];
    let text = "";
    let done: GenerationResult | undefined;
    for await (const e of generateStream(model, tokenizer, "Once upon a time", { maxTokens: 10, sampling: { temperature: 0 } })) {
      if (e.type === "token") ids.push(e.id);
      else if (e.type === "text") text += e.text;
      else done = e.result;
    }
    expect(ids).toEqual(ref.prompts[0]!.greedy.slice(0, 10));
    expect(done!.tokenIds).toEqual(ids);
    expect(text).toBe(done!.text);
  }, 60_000);

  it("an abort signal ends the generation with finishReason abort", async () => {
    const controller = new AbortController();
    let n = 0;
    let done: GenerationResult | undefined;
    for await (const e of generateStream(model, tokenizer, "Once upon a time", { maxTokens: 50, sampling: { temperature: 0 }, signal: controller.signal })) {
      if (e.type === "token" && ++n === 3) controller.abort();
      if (e.type === "done") done = e.result;
    }
    expect(done!.finishReason).toBe("abort");
    expect(done!.tokens).toBe(3);
  }, 60_000);
});

describe("generate() limits, as `tsinfer run` has always had them", () => {
  it("a context of 20 holds the 5-token prompt and 15 more positions; the token sampled from the last is emitted too", async () => {
    const r = await generate(model, tokenizer, "Once upon a time", { maxTokens: 100, ctxSize: 20, sampling: { temperature: 0, logitBias: new Map([[2, -100]]) } });
    expect([r.promptTokens, r.tokens, r.finishReason]).toEqual([5, 16, "length"]);
  }, 60_000);

  it("maxTokens 0 runs the prompt and returns no text", async () => {
    const r = await generate(model, tokenizer, "Once upon a time", { maxTokens: 0, sampling: { temperature: 0 } });
    expect([r.text, r.tokens, r.tokenIds, r.finishReason, r.promptTokens]).toEqual(["", 0, [], "length", 5]);
  }, 60_000);
});
