import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForwardBatch } from "../../src/model/forward-batch.js";
import { BackendFailedError } from "../../src/errors.js";
import { startServer } from "../../src/server/start-server.js";
import type { RunningServer } from "../../src/server/start-server.js";
import { letterServedModel } from "./fake-served-model.js";

// When the engine's state is unknown (the backend says it cannot go on), the server fails closed: the request in
// flight gets an error, /health turns 503 "failed", new work gets 503, and onFatal (the CLI exits 1) is called once.
describe("the server when the engine fails closed", () => {
  let server: RunningServer;
  const fatal: Error[] = [];
  let failing = false;
  beforeAll(async () => {
    const served = letterServedModel();
    const forward = served.model.forward.bind(served.model);
    served.model.forward = (batch: ForwardBatch) => {
      if (failing) throw new BackendFailedError("the kernel pool could not restart its workers");
      return forward(batch);
    };
    server = await startServer(served, { host: "127.0.0.1", port: 0, parallel: 2, maxBatchTokens: 32, maxQueue: 4, traceCapacity: 0, onFatal: (e) => fatal.push(e) });
  });
  afterAll(async () => server.shutdown(0));

  const post = (body: object) => fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("errors the request in flight, turns not-ready, refuses new work, reports once", async () => {
    expect((await post({ prompt: "ab", max_tokens: 3 })).status).toBe(200);
    failing = true;
    const res = await post({ prompt: "ab", max_tokens: 3 });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("could not restart");
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { status: string }).status).toBe("failed");
    expect((await post({ prompt: "ab", max_tokens: 3 })).status).toBe(503);
    expect(fatal.map((e) => e.message)).toEqual(["the kernel pool could not restart its workers"]);
  });
});
