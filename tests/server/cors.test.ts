import { createServer, request as httpRequest } from "node:http";
import type { Server } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseCorsOrigins } from "../../src/server/cors-policy.js";
import { startServer } from "../../src/server/start-server.js";
import type { RunningServer } from "../../src/server/start-server.js";
import { hasChromium, launchChromium } from "../web/browser.js";
import { letterServedModel } from "./fake-served-model.js";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers }, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const ALLOWED = "https://app.example";
const OTHER_ALLOWED = "http://localhost:5173";
const KEY = "cors-key-0123";
const chat = JSON.stringify({ messages: [{ role: "user", content: "abc" }], max_tokens: 3 });
const options = (origins: string[] | null) => ({
  host: "127.0.0.1",
  port: 0,
  parallel: 2,
  maxBatchTokens: 32,
  maxQueue: 8,
  apiKeys: [KEY],
  traceCapacity: 0,
  cors: origins === null ? null : parseCorsOrigins(origins),
});

describe("--cors-origin values", () => {
  it("takes repeated and comma-separated origins, * for any, and none for no CORS at all", () => {
    expect(parseCorsOrigins([])).toBeNull();
    expect(parseCorsOrigins([" , "])).toBeNull();
    const p = parseCorsOrigins(["https://App.Example:8443/", "http://localhost:5173,http://127.0.0.1:3000"]);
    expect(p?.anyOrigin).toBe(false);
    expect([...(p?.origins ?? [])].sort()).toEqual(["http://127.0.0.1:3000", "http://localhost:5173", "https://app.example:8443"]);
    expect(parseCorsOrigins(["*"])?.anyOrigin).toBe(true);
  });

  it("refuses anything that is not an origin, naming it", () => {
    for (const bad of ["app.example", "https://app.example/path", "ftp://app.example", "null", "https://user:pw@app.example", "https://app.example?x=1", "http://"]) {
      expect(() => parseCorsOrigins([bad]), bad).toThrow(InputError);
      expect(() => parseCorsOrigins([bad]), bad).toThrow(bad);
    }
  });
});

describe("CORS on a server with an API key and --cors-origin", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(letterServedModel(), options([ALLOWED, OTHER_ALLOWED]));
  });
  afterAll(async () => server.shutdown(0));

  const preflight = (origin: string, path = "/v1/chat/completions", requestHeaders = "authorization, content-type, x-stainless-os") =>
    raw(server.url, "OPTIONS", path, { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders });

  it("answers a preflight from an allowed origin with 204 and the policy, without the key", async () => {
    const res = await preflight(ALLOWED);
    expect(res.status).toBe(204);
    expect(res.body).toBe("");
    expect(res.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(String(res.headers["access-control-allow-methods"]).split(/,\s*/)).toEqual(expect.arrayContaining(["GET", "POST"]));
    expect(String(res.headers["access-control-allow-headers"]).split(/,\s*/)).toEqual(expect.arrayContaining(["authorization", "content-type", "x-stainless-os"]));
    expect(Number(res.headers["access-control-max-age"])).toBeGreaterThan(0);
    expect(String(res.headers.vary)).toMatch(/Origin/);
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
    expect((await preflight(OTHER_ALLOWED, "/tokenize")).headers["access-control-allow-origin"]).toBe(OTHER_ALLOWED);
  });

  it("gives a foreign origin's preflight nothing: no Allow headers, no body, nothing from any route", async () => {
    for (const path of ["/v1/chat/completions", "/v1/models", "/v1/stats", "/nope", "/v1/traces/x"]) {
      const res = await preflight("https://evil.example", path);
      expect(res.status).toBe(204);
      expect(res.body).toBe("");
      expect(Object.keys(res.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    }
    // Malformed requested header names are not echoed (no header injection); the fixed ones still are.
    const odd = await preflight(ALLOWED, "/v1/models", "x-a b, (bad)");
    expect(odd.headers["access-control-allow-headers"]).toBe("authorization, content-type");
  });

  it("is no bypass: a plain OPTIONS, and every real request, still need the key; the Host check comes first", async () => {
    expect((await raw(server.url, "OPTIONS", "/v1/models", { origin: ALLOWED })).status).toBe(401);
    expect((await raw(server.url, "OPTIONS", "/v1/models")).status).toBe(401);
    const noKey = await raw(server.url, "POST", "/v1/chat/completions", { origin: ALLOWED }, chat);
    expect(noKey.status).toBe(401);
    // The 401 carries the CORS headers, so a browser script can read why it was refused.
    expect(noKey.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(JSON.parse(noKey.body).error.type).toBe("authentication_error");
    const port = new URL(server.url).port;
    const rebound = await raw(server.url, "OPTIONS", "/v1/models", { host: `attacker.example:${port}`, origin: ALLOWED, "access-control-request-method": "GET" });
    expect(rebound.status).toBe(403);
  });

  it("sets the headers on JSON answers, errors and SSE streams for allowed origins only", async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const ok = await raw(server.url, "POST", "/v1/chat/completions", { ...auth, origin: ALLOWED }, chat);
    expect(ok.status).toBe(200);
    expect(ok.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(String(ok.headers["access-control-expose-headers"])).toContain("x-request-id");
    expect(String(ok.headers.vary)).toMatch(/Origin/);
    const bad = await raw(server.url, "POST", "/v1/chat/completions", { ...auth, origin: ALLOWED }, JSON.stringify({ messages: 5 }));
    expect(bad.status).toBe(400);
    expect(bad.headers["access-control-allow-origin"]).toBe(ALLOWED);
    const sse = await raw(server.url, "POST", "/v1/chat/completions", { ...auth, origin: OTHER_ALLOWED }, JSON.stringify({ messages: [{ role: "user", content: "abc" }], max_tokens: 3, stream: true }));
    expect(sse.headers["content-type"]).toContain("text/event-stream");
    expect(sse.headers["access-control-allow-origin"]).toBe(OTHER_ALLOWED);
    expect(sse.body).toContain("data: [DONE]");
    const foreign = await raw(server.url, "GET", "/v1/models", { ...auth, origin: "https://evil.example" });
    expect(foreign.status).toBe(200);
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
    expect(String(foreign.headers.vary)).toMatch(/Origin/);
  });
});

describe("CORS with * and without --cors-origin", () => {
  it("answers * to any origin, with no Vary; and sends no CORS header at all by default", async () => {
    const any = await startServer(letterServedModel(), options(["*"]));
    const none = await startServer(letterServedModel(), options(null));
    try {
      const pre = await raw(any.url, "OPTIONS", "/v1/chat/completions", { origin: "https://whoever.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" });
      expect(pre.status).toBe(204);
      expect(pre.headers["access-control-allow-origin"]).toBe("*");
      expect(pre.headers.vary).toBeUndefined();
      const get = await raw(any.url, "GET", "/v1/models", { origin: "https://whoever.example", authorization: `Bearer ${KEY}` });
      expect(get.headers["access-control-allow-origin"]).toBe("*");
      const off = await raw(none.url, "OPTIONS", "/v1/chat/completions", { origin: ALLOWED, "access-control-request-method": "POST" });
      expect(off.status).toBe(401);
      expect(Object.keys(off.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
      const offGet = await raw(none.url, "GET", "/v1/models", { origin: ALLOWED, authorization: `Bearer ${KEY}` });
      expect(Object.keys(offGet.headers).filter((h) => h.startsWith("access-control-") || h === "vary")).toEqual([]);
    } finally {
      await any.shutdown(0);
      await none.shutdown(0);
    }
  });
});

// The reference for what a browser accepts: Chromium itself, calling the API from pages on two other origins.
describe.skipIf(!hasChromium)("CORS in Chromium: a page on an allowed origin uses the API, one on another origin cannot", () => {
  let server: RunningServer;
  let pages: Server;
  let browser: Browser;
  let allowedOrigin = "";
  let foreignOrigin = "";

  beforeAll(async () => {
    pages = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>page</title>"));
    await new Promise<void>((r) => pages.listen(0, "127.0.0.1", r));
    const port = (pages.address() as { port: number }).port;
    allowedOrigin = `http://127.0.0.1:${port}`;
    foreignOrigin = `http://localhost:${port}`; // same page server, another origin
    server = await startServer(letterServedModel(), options([allowedOrigin]));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown(0);
    await new Promise((r) => pages?.close(r));
  });

  const callFrom = async (origin: string, key: string | null, body: string) => {
    const page = await browser.newPage();
    try {
      await page.goto(origin + "/");
      return await page.evaluate(
        async ({ url, key, body }) => {
          try {
            const headers: Record<string, string> = { "content-type": "application/json", "x-stainless-lang": "js" };
            if (key !== null) headers.authorization = `Bearer ${key}`;
            const res = await fetch(url + "/v1/chat/completions", { method: "POST", headers, body });
            return { status: res.status, text: await res.text(), requestId: res.headers.get("x-request-id"), failed: null };
          } catch (err) {
            return { status: 0, text: "", requestId: null, failed: String(err) };
          }
        },
        { url: server.url, key, body },
      );
    } finally {
      await page.close();
    }
  };

  it("reads answers, streams and 401s from the allowed origin, and fails from the other", async () => {
    const ok = await callFrom(allowedOrigin, KEY, chat);
    expect(ok.failed).toBeNull();
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).choices[0].message.role).toBe("assistant");
    expect(ok.requestId).toMatch(/^chatcmpl-/);
    const stream = await callFrom(allowedOrigin, KEY, JSON.stringify({ messages: [{ role: "user", content: "abc" }], max_tokens: 3, stream: true }));
    expect(stream.text).toContain("data: [DONE]");
    const refused = await callFrom(allowedOrigin, null, chat);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).error.code).toBe("invalid_api_key");
    const foreign = await callFrom(foreignOrigin, KEY, chat);
    expect(foreign.failed).toMatch(/TypeError/);
  }, 60_000);
});
