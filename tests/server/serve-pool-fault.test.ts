import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { loadServedModel } from "../../src/server/load-served-model.js";
import { startServer } from "../../src/server/start-server.js";
import type { RunningServer } from "../../src/server/start-server.js";

// The server over stories-7m on the real wasm backend (3 threads): a pool worker exits in the middle of a step.
// The two requests in flight fail (the stream with an error event and a closed connection, the plain one with a
// 500 body), never a clean-looking answer; the server keeps serving and the next request succeeds.
const backend = new WasmBackend({ threads: 3 });
let server: RunningServer;

beforeAll(async () => {
  await backend.whenReady();
  const served = loadServedModel({ modelPath: "models/stories-7m/stories-7m-f16.gguf", parallel: 4, maxBatchTokens: 64, backend });
  server = await startServer(served, { host: "127.0.0.1", port: 0, parallel: 4, maxBatchTokens: 64, maxQueue: 8, traceCapacity: 0 });
});
afterAll(async () => {
  await server?.shutdown(0);
  await backend.close();
});

const post = (body: object) =>
  fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("a pool worker killed mid-step, through the HTTP server", () => {
  it("fails the in-flight requests with errors; the next request succeeds", async () => {
    const plain = post({ prompt: "Once upon a time", max_tokens: 400, temperature: 0, ignore_eos: true });
    const res = await post({ prompt: "The little dog", max_tokens: 400, temperature: 0, stream: true, ignore_eos: true });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let events = 0;
    let armedAt = 0;
    let closedAt = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        closedAt = performance.now();
        break;
      }
      text += value;
      events = text.split("\n\n").length - 1;
      // The fourth event arms the fault: worker 1 exits at the next chunk it claims, inside a later step.
      if (events >= 4 && armedAt === 0) {
        backend.pool.injectFault(1, "exit");
        armedAt = performance.now();
      }
    }
    expect(armedAt).toBeGreaterThan(0);
    const last = text.trimEnd().split("\n\n").pop()!;
    expect(text).not.toContain("[DONE]");
    expect(last).toMatch(/^data: \{"error":/);
    expect(last).toContain("worker 1");
    expect(closedAt - armedAt).toBeLessThan(1000);

    const plainRes = await plain;
    const plainBody = (await plainRes.json()) as { error?: { message: string; type: string } };
    expect(plainRes.status).toBe(500);
    expect(plainBody.error?.type).toBe("server_error");

    const next = await post({ prompt: "Once upon a time", max_tokens: 12, temperature: 0 });
    expect(next.status).toBe(200);
    const nextBody = (await next.json()) as { choices: { text: string; finish_reason: string }[] };
    expect(nextBody.choices[0]!.text.length).toBeGreaterThan(5);
    expect(nextBody.choices[0]!.finish_reason).toBe("length");
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 120_000);
});
