import type { FastifyInstance } from "fastify";
import { EngineCore } from "../engine/engine-core.js";
import { ApiError } from "./api-error.js";
import { ApiKeys } from "./api-keys.js";
import { DEFAULT_HTTP_LIMITS, createApp } from "./create-app.js";
import type { LogLevel } from "./create-app.js";
import type { CorsPolicy } from "./cors-policy.js";
import { allowedHostsFor } from "./request-guard.js";
import type { ServedModel } from "./served-model.js";
import type { ServerContext } from "./server-context.js";
import { ServerMetrics } from "./server-metrics.js";
import { TraceStore } from "./trace-store.js";
import { UiSessions } from "./ui-sessions.js";

export interface ServeOptions {
  host: string;
  port: number;
  /** Most sequences per step. */
  parallel: number;
  /** Token budget of one step (decode tokens + prompt chunks). */
  maxBatchTokens: number;
  maxQueue: number;
  /** The API keys (--api-key, TSINFER_API_KEY, --api-key-file): when any is set, every route but /health and /live needs one. */
  apiKeys?: readonly string[];
  /** Recent requests kept for /v1/traces/:id and per-request /v1/stats details; 0 turns both off. */
  traceCapacity: number;
  metricsPublic?: boolean;
  /** --allowed-hosts: comma-separated Host names, "*" for any; default from the bind address. */
  allowedHosts?: string;
  /** --cors-origin (see parseCorsOrigins); absent or null: no CORS headers. */
  cors?: CorsPolicy | null;
  /** The server's log on stdout (default silent); debug lists the request fields that were ignored. */
  logLevel?: LogLevel;
  /** Most open connections; more are refused at accept. */
  maxConnections?: number;
  headersTimeoutMs?: number;
  requestBodyTimeoutMs?: number;
  /** The engine failed closed (its state is unknown): every request has ended with `err`; the server should exit. */
  onFatal?: (err: Error) => void;
  /** Runs when everything is ready but the port (e.g. to free it from the loading responder): the gap is minimal. */
  beforeListen?: () => Promise<void>;
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
    maxN: 16,
    requestTimeoutMs: o.requestTimeoutMs ?? null,
    draining: false,
  };
  const keys = new ApiKeys(o.apiKeys ?? []);
  const app = createApp(
    ctx,
    { keys, sessions: new UiSessions(), metricsPublic: o.metricsPublic ?? false, allowedHosts: allowedHostsFor(o.host, o.allowedHosts), cors: o.cors ?? null },
    {
      ...DEFAULT_HTTP_LIMITS,
      ...(o.headersTimeoutMs !== undefined ? { headersTimeoutMs: o.headersTimeoutMs } : {}),
      ...(o.requestBodyTimeoutMs !== undefined ? { requestBodyTimeoutMs: o.requestBodyTimeoutMs } : {}),
    },
    o.logLevel ?? "silent",
  );
  app.server.maxConnections = o.maxConnections ?? 512;
  engine.onFatal = (err) => {
    ctx.draining = true;
    o.onFatal?.(err);
  };
  void engine.run();
  await app.ready();
  await o.beforeListen?.();
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
