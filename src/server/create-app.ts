import Fastify from "fastify";
import type { FastifyInstance, FastifyReply } from "fastify";
import { InputError } from "../errors.js";
import { ApiError } from "./api-error.js";
import { registerGenerationRoutes } from "./generation-routes.js";
import { registerInfoRoutes } from "./info-routes.js";
import type { ServerContext } from "./server-context.js";
import { registerStaticRoutes } from "./static-routes.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The OpenAI-compatible HTTP server (Fastify) over a running engine. Bodies up to 16 MB are read and validated
 * (an oversized prompt gets a 400 naming its length); a larger one gets 413, and the connection is closed before
 * the client has finished sending, as Node's HTTP server does.
 */
export function createApp(ctx: ServerContext, bodyLimitBytes = 16 << 20): FastifyInstance {
  const app = Fastify({ bodyLimit: bodyLimitBytes, logger: false, return503OnClosing: true, forceCloseConnections: true });

  // JSON bodies must be valid UTF-8: a replacement character silently changing the prompt is worse than a 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body: Buffer, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      done(new ApiError(400, "the request body is not valid UTF-8", "invalid_request_error", null, "invalid_encoding"), undefined);
      return;
    }
    if (text.trim().length === 0) {
      done(new ApiError(400, "the request body is empty", "invalid_request_error", null, "invalid_body"), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, `the request body is not valid JSON: ${(err as Error).message.slice(0, 200)}`, "invalid_request_error", null, "invalid_json"), undefined);
    }
  });

  app.addHook("onRequest", async (request) => {
    if (ctx.apiKey === null || !request.url.startsWith("/v1/")) return;
    const auth = request.headers.authorization ?? "";
    if (auth !== `Bearer ${ctx.apiKey}`) throw new ApiError(401, "invalid or missing API key (Authorization: Bearer …)", "authentication_error", null, "invalid_api_key");
  });

  app.setErrorHandler((err, _request, reply) => sendError(reply, toApiError(err)));
  app.setNotFoundHandler((request, reply) => sendError(reply, new ApiError(404, `no route ${request.method} ${request.url.slice(0, 200)}`, "not_found_error", null, "not_found")));

  registerGenerationRoutes(app, ctx);
  registerInfoRoutes(app, ctx);
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
