import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrape, startServe, stats } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

let server: ServeProcess;

beforeAll(async () => {
  // 40 KV blocks of 16 tokens: eight ~85-token sequences need 48, so some must be preempted and recomputed.
  server = await startServe(["--parallel", "8", "--kv-cache-size", "640t", "--batch-tokens", "64", "--traces", "100"]);
});
afterAll(async () => {
  await server?.stop();
});

async function complete(prompt: string): Promise<{ id: string; text: string }> {
  const res = await fetch(`${server.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "default", prompt, max_tokens: 70, temperature: 0, ignore_eos: true }),
  });
  const body = (await res.json()) as { id: string; choices: { text: string }[] };
  return { id: body.id, text: body.choices[0].text };
}

describe("preemption when the KV cache runs out (stories-7m, real server)", () => {
  it("preempted requests resume by recomputation and produce the same greedy text as alone", async () => {
    const prompts = Array.from({ length: 8 }, (_, i) => `Once upon a time, a child number ${i + 1} had a dream.`);
    const together = await Promise.all(prompts.map(complete));
    let preemptions = 0;
    for (const r of together) {
      const trace = (await (await fetch(`${server.url}/v1/traces/${r.id}`)).json()) as { preemptions: number };
      preemptions += trace.preemptions;
    }
    expect(preemptions).toBeGreaterThan(0);
    expect((await scrape(server.url)).get("tsinfer:num_preemptions_total")).toBe(preemptions);
    for (const i of [0, 7]) expect(together[i].text).toBe((await complete(prompts[i])).text);
    expect((await stats(server.url)).kv.usedBlocks).toBe(0);
  }, 180_000);
});
