import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelSource } from "../../src/server/model-source.js";
import { startServer } from "../../src/server/start-server.js";
import type { RunningServer } from "../../src/server/start-server.js";
import { letterServedModel } from "./fake-served-model.js";

// Routing and waiting at the HTTP layer, over the letter model of the HTTP tests (serve-multi-model.test.ts runs
// the real stories-7m models): a request waiting for a slow load past --request-timeout gets 504 while the load
// goes on for the next request; the model a request names answers it.
function slowSource(name: string, loadMs: number): ModelSource {
  return {
    names: [name],
    path: `/models/${name}`,
    estimatedBytes: 1,
    async load() {
      await new Promise((r) => setTimeout(r, loadMs));
      return { served: { ...letterServedModel(), id: name }, close: async () => undefined };
    },
  };
}

let server: RunningServer;
beforeAll(async () => {
  server = await startServer([slowSource("fast", 0), slowSource("slow", 600)], { host: "127.0.0.1", port: 0, parallel: 2, maxBatchTokens: 32, maxQueue: 4, traceCapacity: 0, requestTimeoutMs: 300, keepAliveMs: null });
});
afterAll(async () => server.shutdown(0));

async function post(model: string | undefined): Promise<{ status: number; body: { model?: string; error?: { code: string; message: string } } }> {
  const res = await fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, prompt: "abc", max_tokens: 3 }) });
  return { status: res.status, body: (await res.json()) as { model?: string; error?: { code: string; message: string } } };
}

describe("several models over HTTP", () => {
  it("routes by name and defaults to the first", async () => {
    expect((await post("fast")).body.model).toBe("fast");
    expect((await post(undefined)).body.model).toBe("fast");
  });

  it("/tokenize and /detokenize take an optional model: the named one's tokenizer, 404 for an unknown one", async () => {
    const tok = async (body: unknown) => {
      const res = await fetch(`${server.url}/tokenize`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { tokens?: number[]; error?: { code: string } } };
    };
    const plain = await tok({ content: "abc" });
    expect(plain.status).toBe(200);
    expect((await tok({ content: "abc", model: "fast" })).body.tokens).toEqual(plain.body.tokens);
    const unknown = await tok({ content: "abc", model: "nope" });
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, "model_not_found"]);
    expect((await tok({ content: "abc", model: 5 })).status).toBe(400);
  });

  it("a request whose model loads past --request-timeout gets 504; the load still completes for the next one", async () => {
    const t0 = performance.now();
    const r = await post("slow");
    expect(r.status).toBe(504);
    expect(r.body.error?.code).toBe("request_timeout");
    expect(performance.now() - t0).toBeLessThan(550);
    await expect.poll(() => server.ctx.models.find("slow").state, { timeout: 3000 }).toBe("loaded");
    const again = await post("slow");
    expect(again.status).toBe(200);
    expect(again.body.model).toBe("slow");
    expect(server.ctx.models.find("slow").loaded?.active).toBe(0);
  });
});
