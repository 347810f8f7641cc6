import type { FastifyInstance } from "fastify";
import { ApiError } from "./api-error.js";
import type { ServerContext } from "./server-context.js";

/** Health, model list, engine stats, request traces, model description and Prometheus metrics. */
export function registerInfoRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { served, engine } = ctx;
  const created = Math.floor(Date.now() / 1000);

  app.get("/health", async (_req, reply) => {
    if (engine.fatalError !== null) return reply.code(503).send({ status: "failed", error: engine.fatalError.message });
    if (ctx.draining) return reply.code(503).send({ status: "shutting_down" });
    return { status: "ok" };
  });

  // Liveness: the process answers (Kubernetes restarts it otherwise); /health is readiness.
  app.get("/live", async () => ({ status: "ok" }));

  app.get("/v1/models", async () => ({
    object: "list",
    data: [served.id, ...(served.aliases ?? [])].map((id) => ({ id, object: "model", created, owned_by: "tsinfer", root: served.id, max_model_len: served.model.ctxLen })),
  }));

  app.get("/v1/model-info", async () => served.info());

  app.get("/v1/stats", async (request) => {
    const kv = engine.cache.stats();
    return {
      running: engine.numRunning,
      waiting: engine.numWaiting,
      generationTokensTotal: engine.totals.generationTokens,
      promptTokensTotal: engine.totals.promptTokens,
      steps: engine.totals.steps,
      kvUsagePerc: kv.usedBlocks / kv.totalBlocks,
      kv: { ...kv, bytesPerBlock: served.kvBytesPerToken * kv.blockSize },
      lastStep: engine.lastStep,
      // Per-request details only where traces are on, and only the caller's own requests.
      sequences: [...engine.scheduler.running, ...engine.scheduler.waiting].filter((r) => ctx.traces.owns(r.id, request.owner)).map((r) => ({
        id: r.id,
        status: r.status,
        promptTokens: r.prompt.length,
        outputTokens: r.output.length,
        computedTokens: r.numComputed,
        blocks: r.blockTable.length,
      })),
      config: { maxBatchTokens: engine.config.maxBatchTokens, maxSeqs: engine.config.maxSeqs, maxQueue: ctx.maxQueue, ctxLen: served.model.ctxLen },
    };
  });

  const tracesOff = () =>
    new ApiError(404, "request traces are off on this server (start it with --traces N to keep the last N)", "not_found_error", null, "traces_disabled");

  app.get("/v1/traces", async (request) => {
    if (!ctx.traces.enabled) throw tracesOff();
    return { object: "list", data: ctx.traces.ids(request.owner) };
  });

  app.get<{ Params: { id: string } }>("/v1/traces/:id", async (request) => {
    if (!ctx.traces.enabled) throw tracesOff();
    const trace = ctx.traces.get(request.params.id, request.owner);
    if (trace === null) throw new ApiError(404, `no trace for request '${request.params.id.slice(0, 100)}' (only the last ${ctx.traces.capacity} are kept)`, "not_found_error", "id", "trace_not_found");
    return trace;
  });

  app.get("/metrics", async (_req, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
}
