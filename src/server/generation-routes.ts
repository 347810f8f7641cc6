import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { InputError } from "../errors.js";
import type { CompiledGrammar } from "../grammar/grammar-compiler.js";
import { ApiError, badField } from "./api-error.js";
import { readBodySlabs } from "./read-body-slabs.js";
import { Generation } from "./generation.js";
import type { Choice, GenerationSink, LogprobEntry } from "./generation.js";
import { fullResponse, streamChunk, usageChunk } from "./openai-shapes.js";
import { inputErrorAsBadField } from "./parse-generation-request.js";
import type { GenerationRequest, ParseLimits } from "./parse-generation-request.js";
import type { ServedModel } from "./served-model.js";
import { PromptTokenizer } from "./prompt-tokenizer.js";
import { newRequestId } from "./server-context.js";
import type { ServerContext } from "./server-context.js";
import { SseWriter } from "./sse-writer.js";

/**
 * A prompt needs at least (UTF-8 bytes / the longest token's bytes) tokens, and UTF-16 characters ≤ UTF-8 bytes;
 * the factor 2 leaves room for normalizers that shrink text (e.g. collapsing whitespace).
 */
const PROMPT_CHARS_SLACK = 2;

/**
 * POST /v1/completions and /v1/chat/completions, streaming (SSE) or not. Their scope reads JSON bodies as raw
 * byte slabs (readBodySlabs): PromptTokenizer decodes, validates and tokenizes a large one on its worker thread.
 */
export function registerGenerationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const tokenizer = new PromptTokenizer(ctx.served);
  const tokenBytes = ctx.served.maxTokenBytes;
  const maxPromptChars = tokenBytes === undefined ? undefined : ctx.served.model.ctxLen * tokenBytes * PROMPT_CHARS_SLACK;
  const limits: ParseLimits = { vocabSize: ctx.served.model.vocabSize, ctxLen: ctx.served.model.ctxLen, maxN: ctx.maxN, ...(maxPromptChars !== undefined ? { maxPromptChars } : {}) };
  const route = (kind: "completion" | "chat") => (request: FastifyRequest, reply: FastifyReply) => handle(ctx, tokenizer, limits, kind, request, reply);
  void app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", (request, payload, done) => readBodySlabs(payload, request.headers["content-length"], request.routeOptions.bodyLimit, done));
    scope.post("/v1/completions", route("completion"));
    scope.post("/v1/chat/completions", route("chat"));
  });
  app.addHook("onClose", () => tokenizer.close());
}

async function handle(ctx: ServerContext, tokenizer: PromptTokenizer, limits: ParseLimits, kind: "completion" | "chat", request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { served, engine } = ctx;
  const arrivalMs = performance.now();
  const slabs = request.body;
  if (!Array.isArray(slabs) || !slabs.every((b) => Buffer.isBuffer(b))) throw new ApiError(400, "the request body must be a JSON object (Content-Type: application/json)", "invalid_request_error", null, "invalid_body");
  const { request: r, promptIds } = await tokenizer.prepare(kind, slabs as Buffer[], limits);
  if (r.model !== null && r.model !== served.id && r.model !== "default" && !(served.aliases ?? []).includes(r.model))
    throw new ApiError(404, `the model '${r.model.slice(0, 100)}' does not exist; this server serves '${served.id}'`, "not_found_error", "model", "model_not_found");
  const res = reply.raw;
  if (res.destroyed) return reply.hijack(); // the client left while its request was parsed off-thread
  checkAdmission(ctx, r.n);
  const ctxLen = served.model.ctxLen;
  if (promptIds.length >= ctxLen)
    throw badField(kind === "chat" ? "messages" : "prompt", `the prompt has ${promptIds.length} tokens; the context holds ${ctxLen} (prompt + output)`, "context_length_exceeded");
  if (r.maxTokens !== null && promptIds.length + r.maxTokens > ctxLen)
    throw badField("max_tokens", `the prompt (${promptIds.length} tokens) + max_tokens (${r.maxTokens}) exceed the context of ${ctxLen}`, "context_length_exceeded");
  const timeoutMs = ctx.requestTimeoutMs;
  const remainingMs = timeoutMs === null ? Infinity : arrivalMs + timeoutMs - performance.now();
  if (remainingMs <= 0) throw timeoutError(timeoutMs ?? 0);
  const grammar = await compileGrammar(served, r);
  if (res.destroyed) {
    grammar?.dispose();
    return reply.hijack();
  }
  const newGeneration = (sink: GenerationSink): Generation => {
    try {
      return new Generation(id, served, engine, r, promptIds, sink, grammar);
    } catch (err) {
      grammar?.dispose();
      throw err;
    }
  };

  const id = newRequestId(kind === "chat" ? "chatcmpl" : "cmpl");
  const created = Math.floor(Date.now() / 1000);
  const model = served.id;
  let deadline: NodeJS.Timeout | null = null;
  const armDeadline = (gen: Generation) => {
    if (timeoutMs !== null) deadline = setTimeout(() => gen.cancel(timeoutError(timeoutMs)), remainingMs);
  };
  const disarmDeadline = () => {
    if (deadline !== null) clearTimeout(deadline);
  };

  if (r.stream) {
    // Everything that can be refused is checked above (the Generation constructor resolves the sampling
    // parameters): once the 200 and its headers are out, a failure can only be reported as an SSE error event.
    const started = new Set<Choice>();
    const sink: GenerationSink = {
      onDelta(choice: Choice, text: string, logprobs: LogprobEntry[], finishReason) {
        const first = !started.has(choice);
        if (first) started.add(choice);
        if (text.length === 0 && logprobs.length === 0 && finishReason === null && !first) return;
        sse.data(streamChunk(gen, created, model, choice, text, logprobs, finishReason, first));
      },
      onDone(g) {
        disarmDeadline();
        finished(ctx, g);
        // A stream cut short never ends with [DONE]: the client must not take a truncated answer for a whole one.
        if (g.error) return sse.fail(asApiError(g.error));
        if (r.includeUsage) sse.data(usageChunk(g, created, model));
        sse.data("[DONE]");
        sse.end();
      },
    };
    const gen = newGeneration(sink);
    reply.hijack();
    const sse = new SseWriter(res, id);
    res.on("close", () => gen.abort());
    try {
      gen.start();
    } catch (err) {
      const e = asApiError(err instanceof Error ? err : new Error(String(err)));
      gen.cancel(e);
      sse.fail(e);
      return reply;
    }
    armDeadline(gen);
    ctx.traces.add(gen, request.owner);
    return reply;
  }

  return new Promise((resolve) => {
    const sink: GenerationSink = {
      onDelta() {},
      onDone(g) {
        disarmDeadline();
        finished(ctx, g);
        if (g.aborted) return resolve(reply);
        if (g.error) {
          const e = asApiError(g.error);
          if (e.retryAfterSec !== null) void reply.header("retry-after", String(e.retryAfterSec));
          return resolve(reply.code(e.status).type("application/json").send(e.toBody()));
        }
        resolve(reply.header("x-request-id", id).send(fullResponse(g, created, model)));
      },
    };
    const gen = newGeneration(sink);
    res.on("close", () => {
      if (!res.writableEnded) gen.abort();
    });
    gen.start();
    armDeadline(gen);
    ctx.traces.add(gen, request.owner);
  });
}

/** Compiles the request's grammar (before the engine sees it; may take ~0.1 s); bad input → 400 naming the field. */
async function compileGrammar(served: ServedModel, r: GenerationRequest): Promise<CompiledGrammar | null> {
  if (r.grammar === null) return null;
  const { spec, field } = r.grammar;
  if (served.compileGrammar === undefined) throw badField(field, "this model cannot constrain its output", "unsupported_value");
  const where = field === "response_format" ? (spec.kind === "json_schema" ? "response_format.json_schema.schema" : "response_format") : field;
  try {
    return await served.compileGrammar(spec, where);
  } catch (err) {
    if (err instanceof InputError) throw inputErrorAsBadField(err, field);
    throw err;
  }
}

function checkAdmission(ctx: ServerContext, n: number): void {
  const { engine } = ctx;
  if (ctx.draining) throw new ApiError(503, "the server is shutting down", "overloaded_error", null, "shutting_down", 5);
  // Requests that the next step can admit into free sequence slots are not queued; the rest wait, at most maxQueue.
  const freeSlots = Math.max(0, engine.config.maxSeqs - engine.numRunning);
  if (engine.numWaiting + n > ctx.maxQueue + freeSlots)
    throw new ApiError(429, `the server is busy: ${engine.numWaiting} requests are already waiting (limit ${ctx.maxQueue}); retry later`, "rate_limit_error", null, "queue_full", 1);
}

function timeoutError(timeoutMs: number): ApiError {
  return new ApiError(504, `the request did not finish within ${timeoutMs / 1000} s (--request-timeout); it was cancelled`, "server_error", null, "request_timeout");
}

function asApiError(err: Error): ApiError {
  return err instanceof ApiError ? err : new ApiError(500, `generation failed: ${err.message}`, "server_error");
}

function finished(ctx: ServerContext, gen: Generation): void {
  for (const c of gen.choices) ctx.metrics.observeFinished(c.req);
}
