import type { FastifyInstance } from "fastify";
import { ApiError } from "./api-error.js";
import { ApiKeys } from "./api-keys.js";
import { DEFAULT_HTTP_LIMITS, createApp } from "./create-app.js";
import type { LogLevel } from "./create-app.js";
import type { CorsPolicy } from "./cors-policy.js";
import { allowedHostsFor } from "./request-guard.js";
import { ModelRegistry } from "./model-registry.js";
import { fixedModelSource } from "./model-source.js";
import type { ModelSource } from "./model-source.js";
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
  /** Idle time before a model is unloaded (0: right after its last request; null, the default: never). */
  keepAliveMs?: number | null;
  /** Most bytes the loaded models may hold together (default: no limit). */
  maxMemoryBytes?: number | null;
  /** Model loads and unloads, one line each. */
  log?: (line: string) => void;
}

const MAX_N = 16;

export interface RunningServer {
  app: FastifyInstance;
  ctx: ServerContext;
  url: string;
  /** Stops accepting generations (503), lets running ones finish (up to graceMs), then closes. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * Starts the HTTP server over one model (already in memory) or several sources (each with its own engine, loaded
 * on first use; the first is loaded before the port opens).
 */
export async function startServer(models: ServedModel | readonly ModelSource[], o: ServeOptions): Promise<RunningServer> {
  const sources = Array.isArray(models) ? (models as readonly ModelSource[]) : [fixedModelSource(models as ServedModel)];
  let ctx: ServerContext | null = null;
  const registry = new ModelRegistry(sources, {
    maxBatchTokens: o.maxBatchTokens,
    maxSeqs: o.parallel,
    maxN: MAX_N,
    keepAliveMs: o.keepAliveMs ?? null,
    maxMemoryBytes: o.maxMemoryBytes ?? null,
    ...(o.log !== undefined ? { log: o.log } : {}),
    onFatal: (err) => {
      if (ctx !== null) ctx.draining = true;
      o.onFatal?.(err);
    },
  });
  (await registry.acquire(registry.slots[0])).release();
  ctx = {
    models: registry,
    metrics: new ServerMetrics(registry),
    traces: new TraceStore(o.traceCapacity),
    maxQueue: o.maxQueue,
    maxN: MAX_N,
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
  await app.ready();
  await o.beforeListen?.();
  const address = await app.listen({ host: o.host, port: o.port });
  const running = ctx;
  const shutdown = async (graceMs: number) => {
    running.draining = true;
    const deadline = performance.now() + graceMs;
    const busy = () => registry.slots.some((s) => s.pending > 0) || registry.loadedModels().some((m) => m.engine.scheduler.hasWork);
    while (busy() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const { engine } of registry.loadedModels()) {
      for (const req of [...engine.scheduler.running, ...engine.scheduler.waiting]) {
        req.error ??= new ApiError(503, `the server shut down before this request finished (drain timeout ${graceMs / 1000} s)`, "server_error", null, "shutting_down");
        engine.finish(req, "abort");
      }
    }
    // Let the error answers just written reach their sockets before closing forces the connections shut.
    await new Promise((r) => setTimeout(r, 100));
    await app.close();
    await registry.close();
  };
  return { app, ctx: running, url: address, shutdown };
}
