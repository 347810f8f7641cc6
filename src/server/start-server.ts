import type { FastifyInstance } from "fastify";
import { EngineCore } from "../engine/engine-core.js";
import { ApiError } from "./api-error.js";
import { createApp } from "./create-app.js";
import type { ServedModel } from "./served-model.js";
import type { ServerContext } from "./server-context.js";
import { ServerMetrics } from "./server-metrics.js";
import { TraceStore } from "./trace-store.js";

export interface ServeOptions {
  host: string;
  port: number;
  /** Most sequences per step. */
  parallel: number;
  /** Token budget of one step (decode tokens + prompt chunks). */
  maxBatchTokens: number;
  maxQueue: number;
  apiKey: string | null;
  traceCapacity: number;
  /** Per-request deadline in ms (default: none). */
  requestTimeoutMs?: number | null;
}

export interface RunningServer {
  app: FastifyInstance;
  ctx: ServerContext;
  url: string;
  /** Stops accepting generations (503), lets running ones finish (up to graceMs), then closes. */
  shutdown(graceMs: number): Promise<void>;
}

/** Starts the engine loop and the HTTP server over a loaded model. */
export async function startServer(served: ServedModel, o: ServeOptions): Promise<RunningServer> {
  const engine = new EngineCore(served.model, { maxBatchTokens: o.maxBatchTokens, maxSeqs: o.parallel, traceTopK: 5, now: () => performance.now() });
  const ctx: ServerContext = {
    served,
    engine,
    metrics: new ServerMetrics(engine),
    traces: new TraceStore(o.traceCapacity),
    maxQueue: o.maxQueue,
    apiKey: o.apiKey,
    maxN: 16,
    requestTimeoutMs: o.requestTimeoutMs ?? null,
    draining: false,
  };
  const app = createApp(ctx);
  void engine.run();
  const address = await app.listen({ host: o.host, port: o.port });
  const shutdown = async (graceMs: number) => {
    ctx.draining = true;
    const deadline = performance.now() + graceMs;
    while (engine.scheduler.hasWork && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const req of [...engine.scheduler.running, ...engine.scheduler.waiting]) {
      req.error ??= new ApiError(503, `the server shut down before this request finished (drain timeout ${graceMs / 1000} s)`, "server_error", null, "shutting_down");
      engine.finish(req, "abort");
    }
    // Let the error answers just written reach their sockets before closing forces the connections shut.
    await new Promise((r) => setTimeout(r, 100));
    await app.close();
    await engine.stop();
  };
  return { app, ctx, url: address, shutdown };
}
