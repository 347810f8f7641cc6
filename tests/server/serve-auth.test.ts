import { request as httpRequest } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/start-server.js";
import type { RunningServer } from "../../src/server/start-server.js";
import { letterServedModel } from "./fake-served-model.js";
import { startServe } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";
import { mulberry32 } from "../../src/server/bench/mulberry32.js";

// A real `tsinfer serve` with two keys (one from TSINFER_API_KEY, one from --api-key-file) and traces on.
const KEY_A = "key-alpha-0123456789";
const KEY_B = "key-beta-9876543210";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with the path sent exactly as given (fetch would normalize dot segments and escapes). */
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
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.end(body);
  });
}

// Every route the server has, with a body where it takes one.
const ROUTES: { method: string; path: string; body?: string }[] = [
  { method: "POST", path: "/v1/completions", body: JSON.stringify({ prompt: "Once", max_tokens: 2 }) },
  { method: "POST", path: "/v1/chat/completions", body: JSON.stringify({ messages: [{ role: "user", content: "Hi" }], max_tokens: 2 }) },
  { method: "POST", path: "/tokenize", body: JSON.stringify({ content: "Once" }) },
  { method: "POST", path: "/detokenize", body: JSON.stringify({ tokens: [1, 2] }) },
  { method: "GET", path: "/v1/models" },
  { method: "GET", path: "/v1/model-info" },
  { method: "GET", path: "/v1/stats" },
  { method: "GET", path: "/v1/traces" },
  { method: "GET", path: "/v1/traces/cmpl-0" },
  { method: "GET", path: "/metrics" },
  { method: "GET", path: "/" },
  { method: "GET", path: "/assets/index.js" },
];


const pct = (c: string, upper: boolean) => {
  const h = c.charCodeAt(0).toString(16).padStart(2, "0");
  return "%" + (upper ? h.toUpperCase() : h);
};

const pick = <T>(rnd: () => number, xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** Other spellings of `path` that a router or a proxy may take for it: escapes, doubled slashes, dot segments, case. */
function spellings(path: string, count: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const segs = path.split("/").slice(1);
  const fixed = [
    path.replace(/[a-z0-9]/, (c) => pct(c, true)),
    path.replace(/[a-z0-9]/g, (c) => pct(c, false)),
    "/" + path,
    path.replace(/\//g, "//"),
    "/./" + path.slice(1),
    "/x/.." + path,
    "/" + segs.map((s) => s + "/.").join("/"),
    path.toUpperCase(),
    path + "/",
    path + "?a=1",
    path + "%2f",
    "/%2e" + path,
    path.replace(/\//g, "/%2f").replace(/^\/%2f/, "/"),
    path.length > 1 ? path + ";x" : "/;x",
  ];
  const out = new Set(fixed.filter((s) => s !== path));
  while (out.size < count) {
    let s = "";
    for (const ch of path) {
      const r = rnd();
      if (ch === "/" && r < 0.15) s += "/".repeat(2 + Math.floor(rnd() * 3));
      else if (ch === "/" && r < 0.25) s += "/./";
      else if (/[a-z0-9.-]/i.test(ch) && r < 0.35) s += pct(ch, rnd() < 0.5);
      else if (/[a-z]/.test(ch) && r < 0.45) s += ch.toUpperCase();
      else s += ch;
    }
    // A detour through a segment that a dot segment cancels, and a query, give short paths ("/") spellings too.
    if (rnd() < 0.3) s = `/${pick(rnd, ["x", "v1", "assets", "%2e%2e", "health", "live"])}/..${s}`;
    if (rnd() < 0.3) s += `?${pick(rnd, ["a", "key", "api_key", "x"])}=${Math.floor(rnd() * 1000)}`;
    if (s !== path) out.add(s);
  }
  return [...out].slice(0, count);
}

describe("API keys on a real tsinfer serve", () => {
  let server: ServeProcess;
  const dir = mkdtempSync(join(tmpdir(), "tsinfer-auth-"));

  beforeAll(async () => {
    const keyFile = join(dir, "keys");
    writeFileSync(keyFile, `# tenant B\n${KEY_B}\n`);
    server = await startServe(["--api-key-file", keyFile, "--traces", "50"], 60_000, { TSINFER_API_KEY: KEY_A });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses 200 spellings of every route without a key, and with a wrong one", async () => {
    let checked = 0;
    for (const [i, route] of ROUTES.entries()) {
      for (const spelling of [route.path, ...spellings(route.path, 200, 1000 + i)]) {
        const wrong: Record<string, string> = checked % 3 === 0 ? { authorization: "Bearer not-the-key" } : checked % 3 === 1 ? { authorization: `Basic ${KEY_A}` } : {};
        const res = await raw(server.url, route.method, spelling, wrong, route.body);
        expect(res.status, `${route.method} ${spelling}: ${res.body.slice(0, 200)}`).toBe(401);
        checked++;
      }
    }
    expect(checked).toBe(ROUTES.length * 201);
  }, 120_000);

  it("answers /health and /live without a key, and every route with either key", async () => {
    expect((await raw(server.url, "GET", "/health")).status).toBe(200);
    expect((await raw(server.url, "GET", "/live")).status).toBe(200);
    for (const key of [KEY_A, KEY_B]) {
      for (const route of ROUTES.filter((r) => !r.path.includes("traces/") && !r.path.includes("assets"))) {
        const res = await raw(server.url, route.method, route.path, { authorization: `Bearer ${key}` }, route.body);
        expect(res.status, `${route.method} ${route.path}: ${res.body.slice(0, 200)}`).toBe(200);
      }
    }
    // The scheme is case-insensitive (RFC 9110); the key is not.
    expect((await raw(server.url, "GET", "/v1/models", { authorization: `bearer ${KEY_A}` })).status).toBe(200);
    expect((await raw(server.url, "GET", "/v1/models", { authorization: `Bearer ${KEY_A.toUpperCase()}` })).status).toBe(401);
  });

  it("shows a request's trace and stats details only to the key that made it", async () => {
    const made = await raw(server.url, "POST", "/v1/completions", { authorization: `Bearer ${KEY_A}` }, JSON.stringify({ prompt: "Once upon", max_tokens: 3 }));
    const id = (JSON.parse(made.body) as { id: string }).id;
    expect((await raw(server.url, "GET", `/v1/traces/${id}`, { authorization: `Bearer ${KEY_A}` })).status).toBe(200);
    expect((await raw(server.url, "GET", `/v1/traces/${id}`, { authorization: `Bearer ${KEY_B}` })).status).toBe(404);
    const listA = JSON.parse((await raw(server.url, "GET", "/v1/traces", { authorization: `Bearer ${KEY_A}` })).body) as { data: string[] };
    const listB = JSON.parse((await raw(server.url, "GET", "/v1/traces", { authorization: `Bearer ${KEY_B}` })).body) as { data: string[] };
    expect(listA.data).toContain(id);
    expect(listB.data).not.toContain(id);
  });

  it("signs the web UI in with the key: a login form, then a session cookie for the page and the API", async () => {
    const html = { accept: "text/html" };
    const page = await raw(server.url, "GET", "/", html);
    expect(page.status).toBe(401);
    expect(page.body).toContain('<form method="post" action="/login">');
    const form = { "content-type": "application/x-www-form-urlencoded" };
    expect((await raw(server.url, "POST", "/login", form, "key=wrong")).status).toBe(401);
    const ok = await raw(server.url, "POST", "/login", form, `key=${encodeURIComponent(KEY_B)}`);
    expect(ok.status).toBe(303);
    const cookie = String(ok.headers["set-cookie"]).split(";")[0]!;
    expect(String(ok.headers["set-cookie"])).toMatch(/HttpOnly; SameSite=Strict/);
    const ui = await raw(server.url, "GET", "/", { ...html, cookie });
    expect(ui.status).toBe(200);
    expect(ui.body).toContain("<title>tsinfer</title>");
    expect((await raw(server.url, "GET", "/v1/models", { cookie })).status).toBe(200);
    expect((await raw(server.url, "GET", "/v1/models", { cookie: "tsinfer_session=forged" })).status).toBe(401);
  });

  it("sends security headers on pages, JSON and streams, and refuses a foreign Host header", async () => {
    const auth = { authorization: `Bearer ${KEY_A}` };
    const stream = JSON.stringify({ prompt: "Once", max_tokens: 2, stream: true });
    for (const res of [await raw(server.url, "GET", "/", auth), await raw(server.url, "GET", "/v1/models", auth), await raw(server.url, "POST", "/v1/completions", auth, stream), await raw(server.url, "GET", "/health")]) {
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["x-frame-options"]).toBe("DENY");
      expect(String(res.headers["content-security-policy"])).toContain("script-src 'self'");
      expect(String(res.headers["content-security-policy"])).toContain("frame-ancestors 'none'");
    }
    const port = new URL(server.url).port;
    expect((await raw(server.url, "GET", "/health", { host: `attacker.example:${port}` })).status).toBe(403);
    expect((await raw(server.url, "GET", "/v1/models", { ...auth, host: `rebound.example` })).status).toBe(403);
    expect((await raw(server.url, "GET", "/health", { host: `localhost:${port}` })).status).toBe(200);
  });
});

describe("server options around the key", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(letterServedModel(), { host: "127.0.0.1", port: 0, parallel: 2, maxBatchTokens: 32, maxQueue: 8, apiKeys: ["k"], traceCapacity: 0, metricsPublic: true });
  });
  afterAll(async () => server.shutdown(0));

  it("serves /metrics without the key under --metrics-public, and nothing else", async () => {
    expect((await raw(server.url, "GET", "/metrics")).status).toBe(200);
    expect((await raw(server.url, "GET", "/v1/stats")).status).toBe(401);
    expect((await raw(server.url, "GET", "/m%65trics")).status).toBe(200);
  });

  it("keeps no trace unless --traces is given", async () => {
    const made = await raw(server.url, "POST", "/v1/completions", { authorization: "Bearer k" }, JSON.stringify({ prompt: "ab", max_tokens: 2 }));
    const id = (JSON.parse(made.body) as { id: string }).id;
    const res = await raw(server.url, "GET", `/v1/traces/${id}`, { authorization: "Bearer k" });
    expect(res.status).toBe(404);
    expect(res.body).toContain("--traces");
    const stats = JSON.parse((await raw(server.url, "GET", "/v1/stats", { authorization: "Bearer k" })).body) as { sequences: unknown[] };
    expect(stats.sequences).toEqual([]);
  });
});
