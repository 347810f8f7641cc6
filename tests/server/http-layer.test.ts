import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/start-server.js";
import type { RunningServer } from "../../src/server/start-server.js";
import { letterServedModel } from "./fake-served-model.js";

let server: RunningServer;
const post = (path: string, body: string | Uint8Array<ArrayBuffer> | object, headers: Record<string, string> = {}) =>
  fetch(server.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer k", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  server = await startServer(letterServedModel(), { host: "127.0.0.1", port: 0, parallel: 4, maxBatchTokens: 32, maxQueue: 8, apiKeys: ["k"], traceCapacity: 16 });
});
afterAll(async () => server.shutdown(0));

describe("HTTP layer (counting stand-in model)", () => {
  it("answers a completion with text, usage, timings and a trace", async () => {
    const res = await post("/v1/completions", { model: "letters", prompt: "abc", max_tokens: 5, temperature: 0, logprobs: 2 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; choices: { text: string; finish_reason: string; logprobs: { tokens: string[]; top_logprobs: object[] } }[]; usage: { prompt_tokens: number; completion_tokens: number }; timings: { predicted_n: number } };
    expect(body.choices[0].text).toBe("defgh"); // next token = last + 1
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.choices[0].logprobs.tokens).toEqual(["d", "e", "f", "g", "h"]);
    expect(Object.keys(body.choices[0].logprobs.top_logprobs[0]).length).toBe(2);
    expect(body.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5 });
    expect(body.timings.predicted_n).toBe(5);
    const trace = (await (await fetch(`${server.url}/v1/traces/${body.id}`, { headers: { authorization: "Bearer k" } })).json()) as { tokens: { top: unknown[] }[]; prefillChunks: unknown[] };
    expect(trace.tokens.length).toBe(5);
    expect(trace.tokens[0].top.length).toBe(5);
    expect(trace.prefillChunks.length).toBe(1);
  });

  it("streams chat chunks, a usage chunk and [DONE]", async () => {
    const res = await post("/v1/chat/completions", { model: "letters", messages: [{ role: "user", content: "ab" }], max_tokens: 3, temperature: 0, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = (await res.text()).split("\n\n").filter((e) => e.length > 0).map((e) => e.replace(/^data: /, ""));
    expect(events[events.length - 1]).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[]; usage?: { completion_tokens: number } });
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.flatMap((c) => c.choices.map((x) => x.delta.content ?? "")).join("")).toBe("cde");
    expect(chunks[chunks.length - 1].usage?.completion_tokens).toBe(3);
    expect(chunks[chunks.length - 1]).toHaveProperty("timings.predicted_n", 3);
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe("length");
  });

  it("answers bad requests with OpenAI-style errors", async () => {
    const cases: [number, Promise<Response>][] = [
      [400, post("/v1/completions", "{not json")],
      [400, post("/v1/completions", { prompt: "a", max_tokens: -1 })],
      [400, post("/v1/completions", { prompt: "a", frobnicate: 1, store: "yes" })], // unknown fields are ignored, a wrong type of a known one is not
      [400, post("/v1/chat/completions", { messages: [] })],
      [400, post("/v1/completions", { prompt: "a".repeat(200) })],
      [400, post("/v1/completions", new Uint8Array([...Buffer.from('{"prompt":"a'), 0xff, ...Buffer.from('"}')]))],
      [400, post("/v1/completions", { prompt: "a", n: 2, seed: Number.MAX_SAFE_INTEGER })],
      [401, post("/v1/completions", { prompt: "a" }, { authorization: "Bearer wrong" })],
      [404, post("/v1/completions", { model: "nope", prompt: "a" })],
      [400, post("/v1/completions", JSON.stringify({ prompt: "a".repeat(10 << 20) }))],
      [415, post("/v1/completions", "prompt=a", { "content-type": "text/plain" })],
    ];
    for (const [status, pending] of cases) {
      const res = await pending;
      const body = (await res.json()) as { error: { message: string; type: string } };
      expect(res.status, body.error?.message).toBe(status);
      expect(typeof body.error.message).toBe("string");
      expect(typeof body.error.type).toBe("string");
    }
  });

  it("queues nothing for a refused request", async () => {
    const stats = (await (await fetch(`${server.url}/v1/stats`, { headers: { authorization: "Bearer k" } })).json()) as { running: number; waiting: number };
    expect(stats.running + stats.waiting).toBe(0);
  });

  it("frees an aborted stream's KV blocks", async () => {
    const ac = new AbortController();
    const res2 = await fetch(server.url + "/v1/completions", { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer k" }, body: JSON.stringify({ prompt: "abcdefgh", max_tokens: 110, stream: true }), signal: ac.signal });
    const reader = res2.body!.getReader();
    await reader.read();
    ac.abort();
    await expect.poll(async () => ((await (await fetch(`${server.url}/v1/stats`, { headers: { authorization: "Bearer k" } })).json()) as { kv: { usedBlocks: number } }).kv.usedBlocks, { timeout: 5000 }).toBe(0);
  });
});
