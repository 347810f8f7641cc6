import { connect } from "node:net";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/start-server.js";
import type { RunningServer } from "../../src/server/start-server.js";
import { letterServedModel } from "./fake-served-model.js";

// Slow and greedy clients at the socket level: a body dripped a byte a second, headers that never end, and more
// connections than the cap. Short limits so the test is quick; the defaults are 10 s, 30 s and 512.
let server: RunningServer;
let port = 0;
beforeAll(async () => {
  server = await startServer(letterServedModel(), {
    host: "127.0.0.1",
    port: 0,
    parallel: 2,
    maxBatchTokens: 32,
    maxQueue: 4,
    traceCapacity: 0,
    headersTimeoutMs: 1500,
    requestBodyTimeoutMs: 2000,
    maxConnections: 4,
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => server.shutdown(0));

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
  });
}

/** Resolves with the ms until the server closes `s` (or rejects after `limitMs`). */
function closedWithin(s: Socket, limitMs: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${limitMs} ms`)), limitMs);
    s.on("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
    s.on("error", () => undefined);
    s.resume();
  });
}

describe("connections that would otherwise stay open", () => {
  it("cuts off a body dripped one byte a second", async () => {
    const s = await open();
    s.write(`POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
    const drip = setInterval(() => s.writable && s.write("{"), 1000);
    try {
      const ms = await closedWithin(s, 8000);
      expect(ms).toBeLessThan(5000);
    } finally {
      clearInterval(drip);
      s.destroy();
    }
  });

  it("cuts off headers that never end", async () => {
    const s = await open();
    s.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    const drip = setInterval(() => s.writable && s.write("X-A: b\r\n"), 500);
    try {
      expect(await closedWithin(s, 8000)).toBeLessThan(4500);
    } finally {
      clearInterval(drip);
      s.destroy();
    }
  });

  it("refuses connections past --max-connections and serves again once they close", async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => open()));
    const extra = await open(); // accepted by the kernel, then closed by the server
    expect(await closedWithin(extra, 3000)).toBeLessThan(3000);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
