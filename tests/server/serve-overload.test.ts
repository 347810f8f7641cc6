import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileCases } from "./hostile-bodies.js";
import { scrape, startServe, stats } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

const heldout = readFileSync("tests/fixtures/data/tinystories-heldout.txt", "utf8");
let server: ServeProcess;

const complete = (body: object) =>
  fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "stories-7m-f16", ...body }) });

beforeAll(async () => {
  server = await startServe(["--parallel", "2", "--max-queue", "4"]);
});
afterAll(async () => {
  await server?.stop();
});

describe("overload, hostile input and shutdown (stories-7m, real server)", () => {
  it("with --max-queue 4, a burst of 50 requests gets 429 + Retry-After for the excess and correct answers for the rest", async () => {
    const body = { prompt: "The little bird", max_tokens: 8, temperature: 0 };
    const t0 = performance.now();
    const responses = await Promise.all(Array.from({ length: 50 }, () => complete(body)));
    const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after"), json: (await r.json()) as { choices?: { text: string }[]; error?: { type: string; message: string } } })));
    const elapsedMs = performance.now() - t0;
    const solo = (await (await complete(body)).json()) as { choices: { text: string }[] };
    const ok = bodies.filter((b) => b.status === 200);
    const refused = bodies.filter((b) => b.status !== 200);
    console.log(`burst of 50: ${ok.length} answered, ${refused.length} refused, ${elapsedMs.toFixed(0)} ms`);
    expect(ok.length).toBeGreaterThanOrEqual(6); // 2 free sequence slots + 4 queue places at least
    expect(refused.length).toBeGreaterThan(0);
    for (const b of ok) expect(b.json.choices?.[0].text).toBe(solo.choices[0].text);
    for (const b of refused) {
      expect([429, 503]).toContain(b.status);
      expect(Number(b.retryAfter)).toBeGreaterThan(0);
      expect(b.json.error?.type).toBe("rate_limit_error");
    }
    expect(await stats(server.url)).toMatchObject({ running: 0, waiting: 0 });
  }, 180_000);

  it("answers 1,000 malformed or hostile bodies with 4xx OpenAI-style errors, then still serves a normal request", async () => {
    const cases = hostileCases(1000, 20260526, heldout);
    const before = await scrape(server.url);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const res = await fetch(server.url + c.path, { method: c.method, headers: { "content-type": c.contentType }, body: c.method === "GET" ? null : c.body });
        const text = await res.text();
        let shaped = false;
        try {
          const e = (JSON.parse(text) as { error?: { message?: unknown; type?: unknown } }).error;
          shaped = typeof e?.message === "string" && typeof e?.type === "string";
        } catch {
          shaped = false;
        }
        if (res.status < 400 || res.status >= 500 || !shaped) failures.push(`${c.kind}: HTTP ${res.status} ${text.slice(0, 120)}`);
        kinds.set(`${c.kind.split(":")[0]} ${res.status}`, (kinds.get(`${c.kind.split(":")[0]} ${res.status}`) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(`fuzz: ${[...kinds].map(([k, n]) => `${k}×${n}`).join(", ")}`);
    expect(failures.slice(0, 10)).toEqual([]);
    const after = await scrape(server.url);
    expect(after.get("tsinfer:generation_tokens_total")).toBe(before.get("tsinfer:generation_tokens_total"));
    const res = await complete({ prompt: "Once upon a time", max_tokens: 6, temperature: 0 });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: { text: string }[] }).choices[0].text).toBe(", there was a little girl");
  }, 180_000);

  it("on SIGTERM refuses new generations with 503, finishes the running one and exits 0", async () => {
    // Long enough (about half a second) that it is still running when the refused request arrives 50 ms after the
    // signal: with 40 tokens it could finish first, and the drained server had closed its port (ECONNREFUSED).
    const running = complete({ prompt: "One day", max_tokens: 300, temperature: 0, ignore_eos: true });
    await expect.poll(async () => (await stats(server.url)).running, { timeout: 5_000, interval: 10 }).toBe(1);
    server.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 50));
    const refused = await complete({ prompt: "Another", max_tokens: 4 });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const done = await running;
    expect(done.status).toBe(200);
    expect(((await done.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(300);
    expect(await server.stop()).toBe(0);
  }, 180_000);
});
