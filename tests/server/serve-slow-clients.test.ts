import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { Worker } from "node:worker_threads";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrape, startServe, stats } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

const heldout = readFileSync("tests/fixtures/data/tinystories-heldout.txt", "utf8");
let server: ServeProcess;

const post = (path: string, body: string) => fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Sends a request on a raw socket and never reads the answer (past Node's first read-ahead). */
function nonReadingClient(url: string, path: string, body: object): Socket {
  const u = new URL(url);
  const json = JSON.stringify(body);
  const s = connect(Number(u.port), u.hostname);
  s.on("error", () => {}); // the server destroys the connection: expected
  s.write(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  s.pause();
  return s;
}

/** /health round trips (ms) every ~5 ms while `during` runs; the first (connection setup) is not counted. */
async function healthLatencies(during: Promise<unknown>): Promise<number[]> {
  let done = false;
  void during.finally(() => (done = true));
  const out: number[] = [];
  await fetch(`${server.url}/health`).then((r) => r.text());
  for (let i = 0; i < 20_000 && !done; i++) {
    const t0 = performance.now();
    await (await fetch(`${server.url}/health`)).text();
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  return out;
}

/**
 * POSTs `body` from a worker thread, so that building and sending 15 MB does not stall this thread's /health
 * timing loop: the latencies measured are the server's, not the client's.
 */
function postFromWorker(url: string, body: string): Promise<{ status: number; text: string }> {
  const code = `const { parentPort, workerData } = require("node:worker_threads");
    fetch(workerData.url, { method: "POST", headers: { "content-type": "application/json" }, body: workerData.body })
      .then(async (r) => parentPort.postMessage({ status: r.status, text: await r.text() }))
      .catch((e) => parentPort.postMessage({ status: 0, text: String(e) }));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { url, body } });
    w.once("message", (m: { status: number; text: string }) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

beforeAll(async () => {
  server = await startServe(["--parallel", "48", "--max-queue", "64", "--kv-cache-size", "12800t", "--batch-tokens", "512", "--traces", "1"]);
});
afterAll(async () => {
  await server?.stop();
});

describe("slow and hostile clients (stories-7m, real server)", () => {
  it("three clients that never read their streams: the server buffers at most ~1 MiB each, cancels their requests and frees their KV", async () => {
    const body = { model: "stories-7m-f16", messages: [{ role: "user", content: "Tell me a story" }], stream: true, n: 16, logprobs: true, top_logprobs: 20, max_tokens: 500, ignore_eos: true };
    // Warm-up, read to the end, so the baseline already holds what the same load holds when its clients read:
    // 48 long distinct prompts touch every page of the KV cache (--kv-cache-size 12800t), and three streams of the
    // same shape and about as many tokens as the stalled ones will make (~1 KB of per-token engine state each,
    // freed afterwards with --traces 1) size the heap. What the stalled clients add beyond that is what they cost.
    const fills = await Promise.all(Array.from({ length: 48 }, (_, i) => post("/v1/completions", JSON.stringify({ prompt: heldout.slice(i * 1200, i * 1200 + 1100), max_tokens: 1 }))));
    for (const f of fills) expect(f.status).toBe(200);
    const warm = await Promise.all([0, 1, 2].map(() => post("/v1/chat/completions", JSON.stringify({ ...body, max_tokens: 180 })).then((r) => r.text())));
    for (const w of warm) expect(w).toContain("data: [DONE]");
    const before = await scrape(server.url);
    const pid = server.child.pid ?? 0;
    const rssBefore = rssBytes(pid);
    const clients = [0, 1, 2].map(() => nonReadingClient(server.url, "/v1/chat/completions", body));
    let rssMax = rssBefore;
    let idle = false;
    const t0 = performance.now();
    await expect.poll(async () => (await stats(server.url)).running, { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    for (let i = 0; i < 600 && !idle; i++) {
      rssMax = Math.max(rssMax, rssBytes(pid));
      const s = await stats(server.url);
      idle = s.running === 0 && s.waiting === 0;
      await new Promise((r) => setTimeout(r, 100));
    }
    const elapsedMs = performance.now() - t0;
    for (const c of clients) c.destroy();
    const after = await scrape(server.url);
    const count = (m: Map<string, number>, reason: string) => m.get(`tsinfer:request_success_total{finished_reason="${reason}"}`) ?? 0;
    const aborted = count(after, "abort") - count(before, "abort");
    const completed = count(after, "length") - count(before, "length");
    const generated = (after.get("tsinfer:generation_tokens_total") ?? 0) - (before.get("tsinfer:generation_tokens_total") ?? 0);
    console.log(`3 non-reading clients × 16 choices: idle after ${elapsedMs.toFixed(0)} ms, ${generated} tokens generated, ${aborted} sequences cancelled, ${completed} ran to max_tokens; RSS ${(rssBefore / 2 ** 20).toFixed(1)} → max ${(rssMax / 2 ** 20).toFixed(1)} MiB`);
    expect(idle).toBe(true);
    expect(aborted).toBe(48);
    expect(completed).toBe(0);
    expect(generated).toBeLessThan(48 * 500);
    expect(rssMax - rssBefore).toBeLessThan(20 * 2 ** 20);
    const s = await stats(server.url);
    expect(s.kv.usedBlocks).toBe(0);
  }, 120_000);

  it("a 15 MB chat prompt gets its 400 at once, naming its length and the limit, while /health keeps answering", async () => {
    const megabyte = "hello world ".repeat(87_000); // just under the 1 MiB-character cap of one message
    const big = JSON.stringify({ model: "stories-7m-f16", messages: Array.from({ length: 15 }, () => ({ role: "user", content: megabyte })) });
    expect(big.length).toBeGreaterThan(15_000_000);
    // The same window on an idle server: this machine is shared, so its own scheduling noise is the yardstick. A
    // server that tokenizes on its event loop stalls /health for seconds on every try; a descheduled process now
    // and then stalls one try: up to three tries, the best counts.
    const max = (xs: number[]) => Math.max(...xs);
    const tries: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const idle = await healthLatencies(new Promise((r) => setTimeout(r, 1500)));
      let status = 0;
      let text = "";
      const t0 = performance.now();
      const answered = postFromWorker(`${server.url}/v1/chat/completions`, big).then((r) => {
        status = r.status;
        text = r.text;
      });
      const during = await healthLatencies(answered);
      await answered;
      const elapsedMs = performance.now() - t0;
      tries.push(`HTTP ${status} after ${elapsedMs.toFixed(0)} ms; /health max ${max(during).toFixed(1)} ms over ${during.length} calls (idle server: max ${max(idle).toFixed(1)} ms over ${idle.length})`);
      expect(status).toBe(400);
      const err = (JSON.parse(text) as { error: { message: string; code: string; param: string } }).error;
      expect(err.code).toBe("context_length_exceeded");
      expect(err.param).toBe("messages");
      expect(err.message).toMatch(/15660000 characters, more than the \d+ that could fit the context of 512 tokens/);
      expect(elapsedMs).toBeLessThan(5000);
      expect(during.length).toBeGreaterThan(0);
      if (max(during) < Math.max(100, 2 * max(idle))) break;
      if (attempt === 2) expect.fail(`/health stalled on every try: ${tries.join("; ")}`);
    }
    console.log(`15 MB prompt: ${tries.join("; ")}`);
  }, 60_000);

  it("a body over 64 KB is parsed and tokenized on the worker thread, with the same answer as inline", async () => {
    const request = { model: "stories-7m-f16", prompt: "Once upon a time", max_tokens: 6, temperature: 0 };
    const inline = JSON.stringify(request);
    const padded = `${" ".repeat(100_000)}${inline}`; // JSON allows the whitespace; the body is 100 KB
    const [a, b] = await Promise.all([post("/v1/completions", inline), post("/v1/completions", padded)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const text = async (r: Response) => ((await r.json()) as { choices: { text: string }[] }).choices[0].text;
    expect(await text(b)).toBe(await text(a));
    const chat = { model: "stories-7m-f16", messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 6, temperature: 0 };
    const [c, d] = await Promise.all([post("/v1/chat/completions", JSON.stringify(chat)), post("/v1/chat/completions", `${JSON.stringify(chat)}${"\n".repeat(100_000)}`)]);
    const [usageC, usageD] = (await Promise.all([c.json(), d.json()])) as { usage: { prompt_tokens: number } }[];
    expect(usageD.usage.prompt_tokens).toBe(usageC.usage.prompt_tokens);
    // Errors found on the worker keep their OpenAI shape.
    const broken = await post("/v1/completions", `${" ".repeat(100_000)}{"prompt": 3`);
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    const badSeed = await post("/v1/completions", `${" ".repeat(100_000)}${JSON.stringify({ prompt: "Hi", n: 2, seed: Number.MAX_SAFE_INTEGER })}`);
    expect(badSeed.status).toBe(400);
    expect(((await badSeed.json()) as { error: { param: string } }).error.param).toBe("seed");
  }, 60_000);
});
