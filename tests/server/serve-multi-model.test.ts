import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrape, startServe } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

// One `tsinfer serve` with two models: stories-7m's f16 GGUF and its Hugging Face directory (safetensors, converted
// at load) under two names of its own. Each answers by name with the greedy text of transformers' reference
// (models/stories-7m/reference.json); idle models unload after --keep-alive and give their memory back; under
// --max-memory the least recently used one is evicted and reloaded on demand.
const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: { prompt: string; greedy_text: string }[] };
const PROMPT = reference.prompts[0].prompt;
const GREEDY_TEXT = reference.prompts[0].greedy_text;
const HF = ["-m", "llama-hf,stories-hf=models/stories-7m/hf"];

interface ModelsBody {
  data: { id: string; object: string; owned_by: string; root: string; status: { value: string } }[];
}

async function complete(url: string, model: string | null, maxTokens = 16): Promise<{ status: number; body: { model: string; choices: { text: string }[] } }> {
  const res = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...(model !== null ? { model } : {}), prompt: PROMPT, max_tokens: maxTokens, temperature: 0 }),
  });
  return { status: res.status, body: (await res.json()) as { model: string; choices: { text: string }[] } };
}

async function states(url: string): Promise<Record<string, string>> {
  const body = (await (await fetch(`${url}/v1/models`)).json()) as ModelsBody;
  return Object.fromEntries(body.data.map((m) => [m.id, m.status.value]));
}

/** The server process's resident memory (Linux /proc). */
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]) * 1024;
}

/** The lowest RSS seen over `ms` (memory given back a moment after a state change is not counted as held). */
async function lowestRss(pid: number, ms: number): Promise<number> {
  let low = rssBytes(pid);
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) low = Math.min(low, rssBytes(pid));
  return low;
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

describe("several models in one server, unloaded after --keep-alive (real tsinfer serve)", () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe([...HF, "--keep-alive", "1s", "--parallel", "2"]);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("lists every name of both models in OpenAI's shape with their state", async () => {
    const body = (await (await fetch(`${server.url}/v1/models`)).json()) as ModelsBody;
    expect(body.data.map((m) => m.id)).toEqual(["stories-7m-f16", "llama-hf", "stories-hf"]);
    for (const m of body.data) {
      expect(m.object).toBe("model");
      expect(["loaded", "loading", "unloaded", "unloading"]).toContain(m.status.value);
    }
    expect(body.data.map((m) => m.root)).toEqual(["stories-7m-f16", "llama-hf", "llama-hf"]);
    expect(body.data[1].status.value).toBe("unloaded"); // loaded on first use only
  });

  it("answers an unknown model with 404 in OpenAI's shape", async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: "The model `gpt-4o` does not exist", type: "invalid_request_error", param: "model", code: "model_not_found" } });
  });

  it("routes by name (either alias); no model goes to the first; both give transformers' greedy text", async () => {
    const [gguf, hf, alias, none] = await Promise.all([complete(server.url, "stories-7m-f16"), complete(server.url, "stories-hf"), complete(server.url, "llama-hf"), complete(server.url, null)]);
    for (const r of [gguf, hf, alias, none]) expect(r.status).toBe(200);
    expect([gguf.body.model, hf.body.model, alias.body.model, none.body.model]).toEqual(["stories-7m-f16", "llama-hf", "llama-hf", "stories-7m-f16"]);
    const text = gguf.body.choices[0].text;
    expect(GREEDY_TEXT.startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(40);
    expect(hf.body.choices[0].text).toBe(text);
    expect(alias.body.choices[0].text).toBe(text);
    expect(none.body.choices[0].text).toBe(text);
  }, 60_000);

  it("unloads an idle model after --keep-alive: state, metrics, and the process's memory comes back down", async () => {
    const pid = server.child.pid!;
    await expect.poll(() => states(server.url), { timeout: 15_000, interval: 100 }).toEqual({ "stories-7m-f16": "unloaded", "llama-hf": "unloaded", "stories-hf": "unloaded" });
    const idleRss = await lowestRss(pid, 1000);
    const before = await scrape(server.url);
    // Three concurrent first requests share one load.
    const answers = await Promise.all([complete(server.url, "llama-hf", 8), complete(server.url, "stories-hf", 8), complete(server.url, "llama-hf", 8)]);
    for (const a of answers) expect(a.status).toBe(200);
    const loadedRss = rssBytes(pid);
    const loaded = await scrape(server.url);
    expect(loaded.get('tsinfer:model_loads_total{model_name="llama-hf"}')! - before.get('tsinfer:model_loads_total{model_name="llama-hf"}')!).toBe(1);
    // Both models of the three requests unload (their memory is what comes back below).
    await expect.poll(async () => { const st = await states(server.url); return [st["llama-hf"], st["stories-hf"]]; }, { timeout: 15_000, interval: 100 }).toEqual(["unloaded", "unloaded"]);
    const after = await scrape(server.url);
    expect(after.get('tsinfer:model_loaded{model_name="llama-hf"}')).toBe(0);
    expect(after.get('tsinfer:model_memory_bytes{model_name="llama-hf"}')).toBe(0);
    expect(after.get('tsinfer:model_unloads_total{model_name="llama-hf",reason="idle"}')).toBeGreaterThanOrEqual(2);
    const memory = loaded.get('tsinfer:model_memory_bytes{model_name="llama-hf"}')!;
    // The load's pages (weights, touched KV and scratch; untouched KV pages were never resident) are given back: at
    // least half of what loading the two models added to the process (measured ~23 MiB, all but ~1 MiB given back when
    // the machine is quiet; other test files running beside it keep some of the process's heap resident).
    expect(loadedRss - idleRss).toBeGreaterThan(4 * 2 ** 20);
    await expect.poll(() => rssBytes(pid), { timeout: 15_000, interval: 100 }).toBeLessThan(idleRss + (loadedRss - idleRss) / 2);
    console.log(`RSS: idle ${mib(idleRss)}, llama-hf loaded ${mib(loadedRss)} (its memory: ${mib(memory)}), after its unload ${mib(await lowestRss(pid, 1000))}`);
  }, 60_000);
});

describe("--max-memory below both models: the least recently used is evicted and reloaded on demand", () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe([...HF, "--max-memory", "40MiB", "--keep-alive", "-1", "--parallel", "2"]);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("evicts the idle first model to load the second, then the second to reload the first, with the same answers", async () => {
    expect(await states(server.url)).toEqual({ "stories-7m-f16": "loaded", "llama-hf": "unloaded", "stories-hf": "unloaded" });
    const m0 = await scrape(server.url);
    const memory = m0.get('tsinfer:model_memory_bytes{model_name="stories-7m-f16"}')!;
    expect(memory).toBeGreaterThan(20 * 2 ** 20); // so two of them pass 40 MiB
    expect(memory).toBeLessThan(40 * 2 ** 20); // and one fits
    const first = await complete(server.url, "stories-7m-f16");
    const hf = await complete(server.url, "stories-hf");
    expect(hf.status).toBe(200);
    expect(await states(server.url)).toEqual({ "stories-7m-f16": "unloaded", "llama-hf": "loaded", "stories-hf": "loaded" });
    const again = await complete(server.url, "stories-7m-f16");
    expect(again.status).toBe(200);
    expect(await states(server.url)).toEqual({ "stories-7m-f16": "loaded", "llama-hf": "unloaded", "stories-hf": "unloaded" });
    expect(again.body.choices[0].text).toBe(first.body.choices[0].text);
    expect(hf.body.choices[0].text).toBe(first.body.choices[0].text);
    const m = await scrape(server.url);
    expect(m.get('tsinfer:model_loads_total{model_name="stories-7m-f16"}')).toBe(2);
    expect(m.get('tsinfer:model_unloads_total{model_name="stories-7m-f16",reason="memory"}')).toBe(1);
    expect(m.get('tsinfer:model_unloads_total{model_name="llama-hf",reason="memory"}')).toBe(1);
    expect(server.output()).toMatch(/unloaded stories-7m-f16 \(to stay under --max-memory\)/);
  }, 60_000);
});
