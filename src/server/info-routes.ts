import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "./api-error.js";
import type { ServerContext } from "./server-context.js";

/** Health, model list, engine stats, request traces, model description and Prometheus metrics. */
export function registerInfoRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { models } = ctx;
  const created = Math.floor(Date.now() / 1000);

  app.get("/health", async (_req, reply) => {
    const failed = models.loadedModels().find((m) => m.engine.fatalError !== null)?.engine.fatalError;
    if (failed) return reply.code(503).send({ status: "failed", error: failed.message });
    if (ctx.draining) return reply.code(503).send({ status: "shutting_down" });
    return { status: "ok" };
  });

  // Liveness: the process answers (Kubernetes restarts it otherwise); /health is readiness.
  app.get("/live", async () => ({ status: "ok" }));

  // Every name of every model, loaded or not; `status` (as llama-server's router reports it) says which are in memory.
  app.get("/v1/models", async () => ({
    object: "list",
    data: models.slots.flatMap((slot) =>
      slot.source.names.map((id) => ({
        id,
        object: "model",
        created,
        owned_by: "tsinfer",
        root: slot.id,
        ...(slot.loaded !== null ? { max_model_len: slot.loaded.served.model.ctxLen } : {}),
        status: { value: slot.state },
      })),
    ),
  }));

  // One model's description and engine stats: `?model=` names it (default: the first).
  const slotOf = (request: FastifyRequest) => {
    const name = (request.query as { model?: unknown }).model;
    return models.find(typeof name === "string" ? name : null);
  };

  // The description needs the model in memory: it is loaded if need be.
  app.get("/v1/model-info", async (request) => {
    const lease = await models.acquire(slotOf(request));
    try {
      return lease.model.served.info();
    } finally {
      lease.release();
    }
  });

  // Stats never load a model (the web UI polls them): an unloaded one reports its state and its waiting requests.
  app.get("/v1/stats", async (request) => {
    const slot = slotOf(request);
    if (slot.loaded === null) return { model: slot.id, status: slot.state, running: 0, waiting: slot.pending };
    const { served, engine } = slot.loaded;
    const kv = engine.cache.stats();
    return {
      model: slot.id,
      status: slot.state,
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
