import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

// The transformers reference for stories-7m (models/stories-7m/reference.json): prompt ids and 64 greedy tokens.
interface ReferencePrompt {
  prompt: string;
  ids: number[];
  greedy: number[];
}
const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: ReferencePrompt[] };

let server: ServeProcess;
let client: OpenAI;

async function traceIds(id: string): Promise<number[]> {
  const trace = (await (await fetch(`${server.url}/v1/traces/${id}`)).json()) as { tokens: { id: number }[] };
  return trace.tokens.map((t) => t.id);
}

beforeAll(async () => {
  server = await startServe(["--parallel", "8", "--traces", "100"]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  expect(await server?.stop()).toBe(0); // graceful SIGTERM exit
});

describe("tsinfer serve with the openai client (stories-7m)", () => {
  it("greedy completions of the four reference prompts, sent concurrently, match transformers' greedy tokens", async () => {
    const n = 24; // the reference's top-1/top-2 margins over these steps are all > 0.04
    const responses = await Promise.all(reference.prompts.map((p) => client.completions.create({ model: "stories-7m-f16", prompt: p.ids, max_tokens: n, temperature: 0 })));
    for (let i = 0; i < responses.length; i++) {
      expect(responses[i].choices[0].finish_reason).toBe("length");
      expect(await traceIds(responses[i].id)).toEqual(reference.prompts[i].greedy.slice(0, n));
    }
  });

  it("text prompts tokenize like the reference and stream the same text as the non-streaming answer", async () => {
    const p = reference.prompts[0];
    const full = await client.completions.create({ model: "stories-7m-f16", prompt: p.prompt, max_tokens: 24, temperature: 0 });
    expect(full.usage?.prompt_tokens).toBe(p.ids.length);
    expect(await traceIds(full.id)).toEqual(p.greedy.slice(0, 24));
    const stream = await client.completions.create({ model: "stories-7m-f16", prompt: p.prompt, max_tokens: 24, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(full.choices[0].text);
    expect(usage?.completion_tokens).toBe(24);
  });

  it("greedy text equals `tsinfer run --temp 0` for the same prompt, plain and --chat", async () => {
    const run = promisify(execFile);
    for (const [prompt, chat] of [[reference.prompts[2].prompt, false], [reference.prompts[3].prompt, true]] as const) {
      const args = ["bin/tsinfer.js", "run", "-p", prompt, "--temp", "0", "-n", "24", "--json", ...(chat ? ["--chat"] : [])];
      const local = JSON.parse((await run(process.execPath, args, { timeout: 60_000 })).stdout) as { text: string };
      const served = chat
        ? (await client.chat.completions.create({ model: "stories-7m-f16", messages: [{ role: "user", content: prompt }], max_tokens: 24, temperature: 0 })).choices[0].message.content
        : (await client.completions.create({ model: "stories-7m-f16", prompt, max_tokens: 24, temperature: 0 })).choices[0].text;
      // `tsinfer run` prints the first generated word without its leading space (its decoder starts with no
      // context); the server keeps it, as llama-server and OpenAI do. The tokens are the same.
      expect(served?.trimStart()).toBe(local.text.trimStart());
      expect(served?.length).toBeGreaterThan(20);
    }
  });

  it("a follow-up chat turn reuses the earlier turn's KV blocks (prefix cache)", async () => {
    const story = "Lily and Ben went to the park. They saw a big tree with red apples. Lily wanted to climb the tree, but Ben was scared. He said it was too high. Lily said she would be careful and climbed up slowly.";
    const first = [{ role: "user" as const, content: story }];
    const a = await client.chat.completions.create({ model: "stories-7m-f16", messages: first, max_tokens: 24, temperature: 0 });
    const followUp = [...first, { role: "assistant" as const, content: a.choices[0].message.content ?? "" }, { role: "user" as const, content: "What happened next?" }];
    const b = await client.chat.completions.create({ model: "stories-7m-f16", messages: followUp, max_tokens: 8, temperature: 0 });
    const cached = (b.usage as OpenAI.CompletionUsage).prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(48); // every full block of the first turn's prompt
    expect(cached).toBeLessThan(b.usage!.prompt_tokens);
  });

  it("cache_salt keeps tenants' prefix-cache blocks apart (vLLM's field)", async () => {
    const prompt = "Tom had a red ball. He liked to kick it in the yard with his dog, Max. One day the ball went over the fence and Tom was sad. His mom said they could ask the neighbor for it.";
    const ask = async (salt?: string) => {
      const body = { model: "stories-7m-f16", prompt, max_tokens: 2, temperature: 0, ...(salt !== undefined ? { cache_salt: salt } : {}) };
      const res = await fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { usage: { prompt_tokens_details?: { cached_tokens?: number } } }).usage.prompt_tokens_details?.cached_tokens ?? 0;
    };
    await ask("tenant-a");
    expect(await ask("tenant-b")).toBe(0);
    expect(await ask()).toBe(0);
    expect(await ask("tenant-a")).toBeGreaterThanOrEqual(32);
    const empty = await fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt, cache_salt: "" }) });
    expect(empty.status).toBe(400);
  });

  it("chat completions, streaming and not, agree (no template: the message content is the prompt)", async () => {
    const messages = [{ role: "user" as const, content: reference.prompts[1].prompt }];
    const full = await client.chat.completions.create({ model: "stories-7m-f16", messages, max_tokens: 20, temperature: 0 });
    expect(full.choices[0].message.role).toBe("assistant");
    expect(await traceIds(full.id)).toEqual(reference.prompts[1].greedy.slice(0, 20));
    const stream = await client.chat.completions.create({ model: "stories-7m-f16", messages, max_tokens: 20, temperature: 0, stream: true });
    let text = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(full.choices[0].message.content);
    expect(finish).toBe("length");
  });

  it("n: 3 with a seed gives three reproducible completions", async () => {
    const ask = () => client.chat.completions.create({ model: "stories-7m-f16", messages: [{ role: "user", content: "Tom had a red kite." }], max_tokens: 16, temperature: 1, n: 3, seed: 1234 });
    const [a, b] = await Promise.all([ask(), ask()]);
    const texts = (r: OpenAI.ChatCompletion) => r.choices.map((c) => c.message.content);
    expect(a.choices.length).toBe(3);
    expect(texts(a)).toEqual(texts(b));
    expect(new Set(texts(a)).size).toBeGreaterThan(1);
    expect(a.usage?.completion_tokens).toBe(48);
  });

  it("logprobs match the chosen tokens: greedy picks the top alternative; sampled tokens are never above it", async () => {
    const greedy = await client.chat.completions.create({ model: "stories-7m-f16", messages: [{ role: "user", content: "The cat" }], max_tokens: 12, temperature: 0, logprobs: true, top_logprobs: 5 });
    const content = greedy.choices[0].logprobs?.content ?? [];
    expect(content.length).toBe(12);
    expect(content.map((e) => e.token).join("")).toBe(greedy.choices[0].message.content);
    for (const e of content) {
      expect(e.top_logprobs.length).toBe(5);
      expect(e.token).toBe(e.top_logprobs[0].token);
      expect(e.logprob).toBeCloseTo(e.top_logprobs[0].logprob, 6);
      expect(e.top_logprobs.every((t, i) => i === 0 || t.logprob <= e.top_logprobs[i - 1].logprob)).toBe(true);
      expect(Math.exp(e.logprob)).toBeLessThanOrEqual(1);
    }
    const sampled = await client.completions.create({ model: "stories-7m-f16", prompt: "The cat", max_tokens: 12, temperature: 1.5, seed: 7, logprobs: 3 });
    const lp = sampled.choices[0].logprobs!;
    expect(lp.tokens?.join("")).toBe(sampled.choices[0].text);
    lp.token_logprobs!.forEach((v, i) => expect(v).toBeLessThanOrEqual(Math.max(...Object.values(lp.top_logprobs![i])) + 1e-6));
  });

  it("answers stop strings, unknown models and bad fields the OpenAI way", async () => {
    const r = await client.completions.create({ model: "stories-7m-f16", prompt: reference.prompts[0].prompt, max_tokens: 30, temperature: 0, stop: ["Lily"] });
    expect(r.choices[0].text).toBe(", there was a little girl named ");
    expect(r.choices[0].finish_reason).toBe("stop");
    await expect(client.completions.create({ model: "gpt-nope", prompt: "x" })).rejects.toMatchObject({ status: 404 });
    await expect(client.completions.create({ model: "stories-7m-f16", prompt: "x", max_tokens: -3 })).rejects.toMatchObject({ status: 400 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["stories-7m-f16"]);
  });
});
