import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { EngineCore } from "../engine/engine-core.js";
import type { EngineRequest } from "../engine/engine-request.js";

const LATENCY_BUCKETS_S = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];

/**
 * Prometheus metrics under vLLM's names with the `tsinfer:` prefix. Latency histograms are observed when a
 * request finishes (from the engine's own timestamps); gauges and totals are read from the engine at scrape.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly ttft: Histogram;
  private readonly itl: Histogram;
  private readonly e2e: Histogram;
  private readonly queue: Histogram;
  private readonly success: Counter<"finished_reason">;

  constructor(engine: EngineCore) {
    const registers = [this.registry];
    const h = (name: string, help: string) => new Histogram({ name: `tsinfer:${name}`, help, buckets: LATENCY_BUCKETS_S, registers });
    this.ttft = h("time_to_first_token_seconds", "Time from request arrival to its first generated token.");
    this.itl = h("inter_token_latency_seconds", "Time between consecutive generated tokens of a request.");
    this.e2e = h("e2e_request_latency_seconds", "Time from request arrival to its end.");
    this.queue = h("request_queue_time_seconds", "Time a request waited before its first scheduled step.");
    this.success = new Counter({ name: "tsinfer:request_success_total", help: "Finished requests by finish reason.", labelNames: ["finished_reason"], registers });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name: `tsinfer:${name}`, help, registers, collect() { this.set(read()); } });
    gauge("num_requests_running", "Requests in the running batch.", () => engine.numRunning);
    gauge("num_requests_waiting", "Requests waiting to be scheduled.", () => engine.numWaiting);
    gauge("kv_cache_usage_perc", "Fraction of KV cache blocks held by requests (0-1).", () => {
      const s = engine.cache.stats();
      return s.usedBlocks / s.totalBlocks;
    });
    // vLLM's cache_config_info (the Gateway API Inference Extension's model-server protocol reads block_size and
    // num_gpu_blocks from its labels): here the KV blocks of whichever device holds the cache.
    const cacheInfo = new Gauge({ name: "tsinfer:cache_config_info", help: "KV cache configuration (labels); value 1.", labelNames: ["block_size", "num_gpu_blocks"], registers });
    cacheInfo.set({ block_size: String(engine.cache.blockSize), num_gpu_blocks: String(engine.cache.stats().totalBlocks) }, 1);
    const total = (name: string, help: string, read: () => number) =>
      new Counter({ name: `tsinfer:${name}`, help, registers, collect() { this.reset(); this.inc(read()); } });
    total("prompt_tokens_total", "Prompt tokens computed (prefill, prefix-cache hits excluded).", () => engine.totals.promptTokens);
    total("generation_tokens_total", "Tokens generated.", () => engine.totals.generationTokens);
    total("num_preemptions_total", "Requests preempted (KV cache full) to be recomputed later.", () => engine.totals.preemptions);
    total("prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache (full blocks).", () => engine.cache.stats().queries * engine.cache.blockSize);
    total("prefix_cache_hits_total", "Prompt tokens found in the prefix cache.", () => engine.cache.stats().hits * engine.cache.blockSize);
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
