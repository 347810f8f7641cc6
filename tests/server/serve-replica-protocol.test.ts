import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrape, startServe, stats } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

// What a router (the Gateway API Inference Extension's Endpoint Picker, llm-d) reads from a replica: the model
// names, the queue / running / KV-usage gauges with the protocol's meanings, cache_config_info, and readiness.
describe("a replica as a router sees it (real tsinfer serve)", () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(["--parallel", "1", "--max-queue", "8", "--served-model-name", "tiny-stories", "stories-alias", "--drain-timeout", "60"]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const post = (body: object) => fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("answers to every --served-model-name and reports the first", async () => {
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["tiny-stories", "stories-alias"]);
    const res = await post({ model: "stories-alias", prompt: "Once", max_tokens: 2 });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe("tiny-stories");
    expect((await post({ model: "stories-7m-f16", prompt: "Once", max_tokens: 2 })).status).toBe(404);
  });

  it("exports cache_config_info and gauges that mean what the protocol says", async () => {
    const idle = await scrape(server.url);
    const s = await stats(server.url);
    expect(idle.get(`tsinfer:cache_config_info{block_size="${16}",num_gpu_blocks="${s.kv.totalBlocks}"}`)).toBe(1);
    expect([idle.get("tsinfer:num_requests_running"), idle.get("tsinfer:num_requests_waiting"), idle.get("tsinfer:kv_cache_usage_perc")]).toEqual([0, 0, 0]);
    // One slot (--parallel 1), four long requests: one runs, three queue.
    const pending = Array.from({ length: 4 }, (_, i) => post({ prompt: `Once upon a time ${i}`, max_tokens: 200, ignore_eos: true }));
    await expect.poll(async () => (await scrape(server.url)).get("tsinfer:num_requests_waiting"), { timeout: 10_000, interval: 20 }).toBe(3);
    const busy = await scrape(server.url);
    expect(busy.get("tsinfer:num_requests_running")).toBe(1);
    expect(busy.get("tsinfer:kv_cache_usage_perc")).toBeGreaterThan(0);
    expect(busy.get("tsinfer:kv_cache_usage_perc")).toBeLessThanOrEqual(1);
    for (const r of await Promise.all(pending)) expect(r.status).toBe(200);
    const after = await scrape(server.url);
    expect([after.get("tsinfer:num_requests_running"), after.get("tsinfer:num_requests_waiting"), after.get("tsinfer:kv_cache_usage_perc")]).toEqual([0, 0, 0]);
  }, 120_000);

  it("drains on SIGTERM: not ready, no new work, the running stream completes, exit 0", async () => {
    const res = await post({ prompt: "The little dog", max_tokens: 120, ignore_eos: true, stream: true });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? "";
    server.child.kill("SIGTERM");
    await expect.poll(async () => (await fetch(`${server.url}/health`)).status, { timeout: 5000, interval: 20 }).toBe(503);
    expect((await post({ prompt: "Once", max_tokens: 2 })).status).toBe(503);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(text).not.toContain('"error"');
    expect(await server.stop()).toBe(0);
  }, 120_000);
});
