import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { EngineRequest } from "../engine/engine-request.js";
import type { LoadedModel } from "./loaded-model.js";
import type { ModelRegistry } from "./model-registry.js";

const LATENCY_BUCKETS_S = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];

/**
 * Prometheus metrics under vLLM's names with the `tsinfer:` prefix. Latency histograms are observed when a
 * request finishes (from the engine's own timestamps); gauges and totals are read from the engines at scrape and
 * summed over the loaded models (the replica-level numbers a router reads), totals of unloaded models included.
 * Per model (label model_name): whether it is loaded, its memory, its running and waiting requests, loads and unloads.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly ttft: Histogram;
  private readonly itl: Histogram;
  private readonly e2e: Histogram;
  private readonly queue: Histogram;
  private readonly success: Counter<"finished_reason">;

  constructor(models: ModelRegistry) {
    const registers = [this.registry];
    const loaded = (): LoadedModel[] => models.loadedModels();
    const sum = (read: (m: LoadedModel) => number): number => loaded().reduce((n, m) => n + read(m), 0);
    const h = (name: string, help: string) => new Histogram({ name: `tsinfer:${name}`, help, buckets: LATENCY_BUCKETS_S, registers });
    this.ttft = h("time_to_first_token_seconds", "Time from request arrival to its first generated token.");
    this.itl = h("inter_token_latency_seconds", "Time between consecutive generated tokens of a request.");
    this.e2e = h("e2e_request_latency_seconds", "Time from request arrival to its end.");
    this.queue = h("request_queue_time_seconds", "Time a request waited before its first scheduled step.");
    this.success = new Counter({ name: "tsinfer:request_success_total", help: "Finished requests by finish reason.", labelNames: ["finished_reason"], registers });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name: `tsinfer:${name}`, help, registers, collect() { this.set(read()); } });
    gauge("num_requests_running", "Requests in the running batch.", () => sum((m) => m.engine.numRunning));
    gauge("num_requests_waiting", "Requests waiting to be scheduled.", () => sum((m) => m.engine.numWaiting));
    gauge("kv_cache_usage_perc", "Fraction of KV cache blocks held by requests (0-1).", () => {
      const total = sum((m) => m.engine.cache.stats().totalBlocks);
      return total === 0 ? 0 : sum((m) => m.engine.cache.stats().usedBlocks) / total;
    });
    // vLLM's cache_config_info (the Gateway API Inference Extension's model-server protocol reads block_size and
    // num_gpu_blocks from its labels): here the KV blocks of whichever device holds the cache, one series per loaded model.
    new Gauge({
      name: "tsinfer:cache_config_info",
      help: "KV cache configuration (labels); value 1.",
      labelNames: ["block_size", "num_gpu_blocks"],
      registers,
      collect() {
        this.reset();
        for (const m of loaded()) this.set({ block_size: String(m.engine.cache.blockSize), num_gpu_blocks: String(m.engine.cache.stats().totalBlocks) }, 1);
      },
    });
    const total = (name: string, help: string, read: () => number) =>
      new Counter({ name: `tsinfer:${name}`, help, registers, collect() { this.reset(); this.inc(read()); } });
    const r = models.retired;
    total("prompt_tokens_total", "Prompt tokens computed (prefill, prefix-cache hits excluded).", () => r.promptTokens + sum((m) => m.engine.totals.promptTokens));
    total("generation_tokens_total", "Tokens generated.", () => r.generationTokens + sum((m) => m.engine.totals.generationTokens));
    total("num_preemptions_total", "Requests preempted (KV cache full) to be recomputed later.", () => r.preemptions + sum((m) => m.engine.totals.preemptions));
    total("prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache (full blocks).", () => r.prefixQueries + sum((m) => m.engine.cache.stats().queries * m.engine.cache.blockSize));
    total("prefix_cache_hits_total", "Prompt tokens found in the prefix cache.", () => r.prefixHits + sum((m) => m.engine.cache.stats().hits * m.engine.cache.blockSize));

    const perModel = (name: string, help: string, read: (s: (typeof models.slots)[number]) => number) =>
      new Gauge({ name: `tsinfer:${name}`, help, labelNames: ["model_name"], registers, collect() { for (const s of models.slots) this.set({ model_name: s.id }, read(s)); } });
    perModel("model_loaded", "1 while the model is in memory, else 0.", (s) => (s.loaded !== null ? 1 : 0));
    perModel("model_memory_bytes", "Memory the loaded model holds (weights, KV cache, scratch); 0 when unloaded.", (s) => s.loaded?.memoryBytes ?? 0);
    perModel("model_requests_running", "Requests in the model's running batch.", (s) => s.loaded?.engine.numRunning ?? 0);
    perModel("model_requests_waiting", "Requests waiting for the model (its load, or a slot in its batch).", (s) => s.pending + (s.loaded?.engine.numWaiting ?? 0));
    new Counter({ name: "tsinfer:model_loads_total", help: "Times the model was loaded.", labelNames: ["model_name"], registers, collect() {
      this.reset();
      for (const s of models.slots) this.inc({ model_name: s.id }, s.loads);
    } });
    new Counter({ name: "tsinfer:model_unloads_total", help: "Times the model was unloaded, by reason (idle, memory, shutdown).", labelNames: ["model_name", "reason"], registers, collect() {
      this.reset();
      for (const s of models.slots) for (const [reason, n] of Object.entries(s.unloads)) this.inc({ model_name: s.id, reason }, n);
    } });
  }

  observeFinished(req: EngineRequest): void {
    const s = (ms: number) => ms / 1000;
    const reason = req.finishReason ?? "abort";
    this.success.inc({ finished_reason: reason });
    if (req.firstScheduledMs !== null) this.queue.observe(s(req.firstScheduledMs - req.arrivalMs));
    if (req.firstTokenMs !== null) this.ttft.observe(s(req.firstTokenMs - req.arrivalMs));
    const t = req.tokenTimesMs;
    for (let i = 1; i < t.length; i++) this.itl.observe(s(t[i] - t[i - 1]));
    if (req.finishedMs !== null) this.e2e.observe(s(req.finishedMs - req.arrivalMs));
  }
}
