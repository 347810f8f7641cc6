import { createServer } from "node:http";
import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendBenchRequest } from "../../src/server/bench/bench-request.js";
import type { BenchRequest } from "../../src/server/bench/bench-request.js";

// bench-serve's client against a small SSE server written here (the real tsinfer server is in serve-scheduling.test.ts):
// events split across writes, several events in one write, the usage chunk, HTTP errors and a stream cut short.

let server: Server | null = null;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: (body: string, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => handler(body, res));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const req = (baseUrl: string, endpoint: "completions" | "chat" = "completions"): BenchRequest =>
  ({ baseUrl, apiKey: "k", model: "m", endpoint, prompt: "Once", maxTokens: 3, ignoreEos: true, temperature: 0 });
const textChunk = (text: string) => `data: ${JSON.stringify({ choices: [{ text }] })}\n\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("bench-serve request", () => {
  it("times text chunks split across and packed into writes, and reads the usage chunk", async () => {
    let seen: Record<string, unknown> = {};
    const url = await serve(async (body, res) => {
      seen = JSON.parse(body) as Record<string, unknown>;
      res.writeHead(200, { "content-type": "text/event-stream" });
      const first = textChunk(" upon");
      res.write(first.slice(0, 10));
      await sleep(20);
      res.write(first.slice(10) + textChunk(""));
      await sleep(30);
      res.write(textChunk(" a") + textChunk(" time"));
      res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 3 } })}\n\ndata: [DONE]\n\n`);
      res.end();
    });
    const r = await sendBenchRequest(req(url));
    expect(r.error).toBeNull();
    expect(r.ok).toBe(true);
    expect(r.text).toBe(" upon a time");
    expect([r.promptTokens, r.outputTokens]).toEqual([2, 3]);
    expect(r.itlMs).toHaveLength(2);
    expect(r.ttftMs).toBeGreaterThanOrEqual(15);
    expect(r.itlMs[0]).toBeGreaterThanOrEqual(25);
    expect(r.e2eMs).toBeGreaterThanOrEqual(r.ttftMs + r.itlMs[0]!);
    expect(seen).toMatchObject({ model: "m", prompt: "Once", max_tokens: 3, stream: true, stream_options: { include_usage: true }, ignore_eos: true });
  });

  it("reads chat deltas and counts chunks when the server sends no usage", async () => {
    const url = await serve((_body, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(["Hi", " there"].map((c) => `data: ${JSON.stringify({ choices: [{ delta: { content: c } }] })}\n\n`).join("") + "data: [DONE]\n\n");
    });
    const r = await sendBenchRequest(req(url, "chat"));
    expect([r.ok, r.text, r.outputTokens]).toEqual([true, "Hi there", 2]);
  });

  it("reports an HTTP error with its status and body, a stream error, a cut stream and a refused connection", async () => {
    let mode = 0;
    const url = await serve((_body, res) => {
      if (mode === 0) {
        res.writeHead(429, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "queue full" } }));
      } else if (mode === 1) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(textChunk("a") + `data: ${JSON.stringify({ error: { message: "engine failed" } })}\n\n`);
      } else {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(textChunk("a"));
        setTimeout(() => res.socket?.destroy(), 20);
      }
    });
    const r429 = await sendBenchRequest(req(url));
    expect(r429.ok).toBe(false);
    expect(r429.error).toMatch(/^HTTP 429: .*queue full/);
    mode = 1;
    expect((await sendBenchRequest(req(url))).error).toBe("engine failed");
    mode = 2;
    const cut = await sendBenchRequest(req(url));
    expect(cut.ok).toBe(false);
    expect(cut.error).toMatch(/aborted|socket hang up|ECONNRESET/);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = null;
    const refused = await sendBenchRequest(req(url));
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/ECONNREFUSED/);
  });
});
