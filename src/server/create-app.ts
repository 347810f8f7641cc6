import Fastify from "fastify";
import type { FastifyInstance, FastifyReply } from "fastify";
import { InputError } from "../errors.js";
import { ApiError } from "./api-error.js";
import { parseJsonBody } from "./parse-json-body.js";
import { registerGenerationRoutes } from "./generation-routes.js";
import { registerInfoRoutes } from "./info-routes.js";
import { registerLoginRoute, registerRequestGuard } from "./request-guard.js";
import type { GuardOptions } from "./request-guard.js";
import type { ServerContext } from "./server-context.js";
import { registerStaticRoutes } from "./static-routes.js";
import { registerTokenizeRoutes } from "./tokenize-routes.js";

export interface HttpLimits {
  bodyLimitBytes: number;
  /** Time to receive a request's headers, and the whole request (a slowly dripping body is cut off). */
  headersTimeoutMs: number;
  requestBodyTimeoutMs: number;
}

/** Levels of the server's log (pino, JSON lines on stdout); "silent" writes nothing. */
export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_HTTP_LIMITS: HttpLimits = { bodyLimitBytes: 16 << 20, headersTimeoutMs: 10_000, requestBodyTimeoutMs: 30_000 };

/**
 * The OpenAI-compatible HTTP server (Fastify) over a running engine. Bodies up to 16 MB are read and validated
 * (an oversized prompt gets a 400 naming its length); a larger one gets 413, and the connection is closed before
 * the client has finished sending, as Node's HTTP server does.
 */
export function createApp(ctx: ServerContext, guard: GuardOptions, limits: HttpLimits = DEFAULT_HTTP_LIMITS, logLevel: LogLevel = "silent"): FastifyInstance {
  const app = Fastify({
    bodyLimit: limits.bodyLimitBytes,
    // Fastify's own lines (one per request and answer) are at info: quiet below it.
    logger: logLevel === "silent" ? false : { level: logLevel },
    return503OnClosing: true,
    forceCloseConnections: true,
    requestTimeout: limits.requestBodyTimeoutMs,
    // Node checks these deadlines every connectionsCheckingInterval (30 s by default): check every second.
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: 1000 },
  });

  // JSON bodies must be valid UTF-8: a replacement character silently changing the prompt is worse than a 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body: Buffer, done) => {
    try {
      done(null, parseJsonBody(body));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  // The web UI's sign-in form; anywhere else a form body is refused as before (415).
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 4096 }, (req, body: string, done) => {
    if (req.routeOptions.url !== "/login") {
      done(new ApiError(415, "unsupported content type application/x-www-form-urlencoded; send application/json", "invalid_request_error", null, "unsupported_media_type"), undefined);
      return;
    }
    done(null, Object.fromEntries(new URLSearchParams(body)));
  });

  registerRequestGuard(app, guard);

  app.setErrorHandler((err, _request, reply) => sendError(reply, toApiError(err)));
  app.setNotFoundHandler((request, reply) => sendError(reply, new ApiError(404, `no route ${request.method} ${request.url.slice(0, 200)}`, "not_found_error", null, "not_found")));

  registerLoginRoute(app, guard);
  registerGenerationRoutes(app, ctx);
  registerInfoRoutes(app, ctx);
  registerTokenizeRoutes(app, ctx);
  registerStaticRoutes(app);
  return app;
}

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  if (err.retryAfterSec !== null) void reply.header("retry-after", String(err.retryAfterSec));
  return reply.code(err.status).type("application/json").send(err.toBody());
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof InputError) return new ApiError(400, err.message);
  const status = (err as { statusCode?: number }).statusCode;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof status === "number" && status >= 400 && status < 500) {
    const code = (err as { code?: string }).code ?? null;
    return new ApiError(status, message, "invalid_request_error", null, code);
  }
  return new ApiError(500, `internal error: ${message}`, "server_error");
}
