import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe, stats } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";
import { mulberry32 } from "../../src/server/bench/mulberry32.js";

// A bounded load run against a real `tsinfer serve` on loopback: mixed streaming and non-streaming requests, a
// fifth of them aborted by the client part-way, more clients than slots + queue so some are refused. Every request
// must be answered (200) or refused (429/503) — none may hang — and the server's memory must stay flat.
const seconds = Number(process.env.TSINFER_LOAD_SECONDS ?? "120");
const clients = 24;
const hangMs = 30_000;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}


const PROMPTS = ["Once upon a time", "The little dog", "Lily and Ben went to the park. They", "One day, a big bird"];

describe.skipIf(process.platform !== "linux")("load: mixed streaming, aborts, overload", () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(["--parallel", "8", "--max-queue", "8", "--batch-tokens", "128"]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`${seconds} s, ${clients} clients: every request answered or refused, none hung, memory flat`, async () => {
    const counts = new Map<string, number>();
    const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    const hung: string[] = [];
    const unexpected: string[] = [];
    const pid = server.child.pid!;
    const start = Date.now();
    const end = start + seconds * 1000;
    const warmEnd = start + Math.min(30, seconds / 4) * 1000;
    let rssWarm = 0;
    let rssPeakAfterWarm = 0;
    const sampler = setInterval(() => {
      const rss = rssBytes(pid);
      if (Date.now() >= warmEnd) {
        if (rssWarm === 0) rssWarm = rss;
        rssPeakAfterWarm = Math.max(rssPeakAfterWarm, rss);
      }
    }, 500);

    const client = async (c: number) => {
      const rnd = mulberry32(c + 1);
      let i = 0;
      while (Date.now() < end) {
        i++;
        const stream = rnd() < 0.5;
        const chat = rnd() < 0.5;
        const abortAfterMs = rnd() < 0.2 ? 20 + rnd() * 400 : null;
        const maxTokens = 1 + Math.floor(rnd() * 64);
        const prompt = PROMPTS[Math.floor(rnd() * PROMPTS.length)]!;
        const body = chat
          ? { messages: [{ role: "user", content: prompt }], max_tokens: maxTokens, stream, temperature: 0.8, seed: c * 1000 + i }
          : { prompt, max_tokens: maxTokens, stream, temperature: 0.8, seed: c * 1000 + i };
        const ac = new AbortController();
        const label = `client ${c} request ${i} (${stream ? "stream" : "plain"}${abortAfterMs !== null ? ", aborted" : ""})`;
        const hangTimer = setTimeout(() => {
          hung.push(label);
          ac.abort();
        }, hangMs);
        const abortTimer = abortAfterMs !== null ? setTimeout(() => ac.abort(), abortAfterMs) : null;
        try {
          const res = await fetch(`${server.url}/v1/${chat ? "chat/completions" : "completions"}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
            signal: ac.signal,
          });
          const text = await res.text();
          if (res.status === 200) {
            if (stream && !text.trimEnd().endsWith("data: [DONE]")) unexpected.push(`${label}: stream without [DONE]: ${text.slice(-200)}`);
            count("200");
          } else if (res.status === 429 || res.status === 503) {
            count(String(res.status));
            await new Promise((r) => setTimeout(r, 50 + rnd() * 200)); // a client backs off (Retry-After, shortened)
          }
          else unexpected.push(`${label}: HTTP ${res.status} ${text.slice(0, 200)}`);
        } catch (err) {
          if (ac.signal.aborted) count("aborted");
          else unexpected.push(`${label}: ${(err as Error).message}`);
        } finally {
          clearTimeout(hangTimer);
          if (abortTimer !== null) clearTimeout(abortTimer);
        }
        if (rnd() < 0.3) await new Promise((r) => setTimeout(r, rnd() * 100));
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
    clearInterval(sampler);

    console.log(`load ${seconds} s: ${JSON.stringify(Object.fromEntries(counts))}; RSS after warm-up ${(rssWarm / 2 ** 20).toFixed(1)} MB, peak after ${(rssPeakAfterWarm / 2 ** 20).toFixed(1)} MB`);
    expect(hung).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(counts.get("200") ?? 0).toBeGreaterThan(clients);
    expect(counts.get("429") ?? 0).toBeGreaterThan(0);
    expect(counts.get("aborted") ?? 0).toBeGreaterThan(0);
    expect(rssPeakAfterWarm - rssWarm).toBeLessThan(40 * 2 ** 20);
    // Nothing left behind: no sequence, no KV block in use.
    await expect.poll(async () => (await stats(server.url)).kv.usedBlocks, { timeout: 5000 }).toBe(0);
    const s = await stats(server.url);
    expect(s.running + s.waiting).toBe(0);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, (seconds + 90) * 1000);
});
