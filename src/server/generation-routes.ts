import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, badField } from "./api-error.js";
import { Generation } from "./generation.js";
import type { Choice, GenerationSink, LogprobEntry } from "./generation.js";
import { fullResponse, streamChunk, usageChunk } from "./openai-shapes.js";
import { parseGenerationRequest } from "./parse-generation-request.js";
import type { GenerationRequest } from "./parse-generation-request.js";
import { newRequestId } from "./server-context.js";
import type { ServerContext } from "./server-context.js";

/** POST /v1/completions and /v1/chat/completions, streaming (SSE) or not. */
export function registerGenerationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post("/v1/completions", (request, reply) => handle(ctx, "completion", request, reply));
  app.post("/v1/chat/completions", (request, reply) => handle(ctx, "chat", request, reply));
}

async function handle(ctx: ServerContext, kind: "completion" | "chat", request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { served, engine } = ctx;
  const r = parseGenerationRequest(kind, request.body, { vocabSize: served.model.vocabSize, ctxLen: served.model.ctxLen, maxN: ctx.maxN });
  if (r.model !== null && r.model !== served.id && r.model !== "default")
    throw new ApiError(404, `the model '${r.model.slice(0, 100)}' does not exist; this server serves '${served.id}'`, "not_found_error", "model", "model_not_found");
  if (ctx.draining) throw new ApiError(503, "the server is shutting down", "overloaded_error", null, "shutting_down", 5);
  // Requests that the next step can admit into free sequence slots are not queued; the rest wait, at most maxQueue.
  const freeSlots = Math.max(0, engine.config.maxSeqs - engine.numRunning);
  if (engine.numWaiting + r.n > ctx.maxQueue + freeSlots)
    throw new ApiError(429, `the server is busy: ${engine.numWaiting} requests are already waiting (limit ${ctx.maxQueue}); retry later`, "rate_limit_error", null, "queue_full", 1);
  const promptIds = promptOf(ctx, r);
  const ctxLen = served.model.ctxLen;
  if (promptIds.length >= ctxLen)
    throw badField(kind === "chat" ? "messages" : "prompt", `the prompt has ${promptIds.length} tokens; the context holds ${ctxLen} (prompt + output)`, "context_length_exceeded");
  if (r.maxTokens !== null && promptIds.length + r.maxTokens > ctxLen)
    throw badField("max_tokens", `the prompt (${promptIds.length} tokens) + max_tokens (${r.maxTokens}) exceed the context of ${ctxLen}`, "context_length_exceeded");

  const id = newRequestId(kind === "chat" ? "chatcmpl" : "cmpl");
  const created = Math.floor(Date.now() / 1000);
  const model = served.id;
  const res = reply.raw;
  if (r.stream) {
    reply.hijack();
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-request-id": id });
    const started = new Set<Choice>();
    const write = (obj: object | string): void => {
      if (!res.writableEnded && !res.destroyed) res.write(`data: ${typeof obj === "string" ? obj : JSON.stringify(obj)}\n\n`);
    };
    const sink: GenerationSink = {
      onDelta(choice: Choice, text: string, logprobs: LogprobEntry[], finishReason) {
        const first = !started.has(choice);
        if (first) started.add(choice);
        if (text.length === 0 && logprobs.length === 0 && finishReason === null && !first) return;
        write(streamChunk(gen, created, model, choice, text, logprobs, finishReason, first));
      },
      onDone(g) {
        finished(ctx, g);
        if (g.error) write({ error: { message: `generation failed: ${g.error.message}`, type: "server_error", param: null, code: null } });
        else if (r.includeUsage) write(usageChunk(g, created, model));
        write("[DONE]");
        res.end();
      },
    };
    const gen = new Generation(id, served, engine, r, promptIds, sink);
    res.on("close", () => gen.abort());
    gen.start();
    ctx.traces.add(gen, request.owner);
    return reply;
  }

  return new Promise((resolve) => {
    const sink: GenerationSink = {
      onDelta() {},
      onDone(g) {
        finished(ctx, g);
        if (g.aborted) return resolve(reply);
        if (g.error) return resolve(reply.code(500).send(new ApiError(500, `generation failed: ${g.error.message}`, "server_error").toBody()));
        resolve(reply.header("x-request-id", id).send(fullResponse(g, created, model)));
      },
    };
    const gen = new Generation(id, served, engine, r, promptIds, sink);
    res.on("close", () => {
      if (!res.writableEnded) gen.abort();
    });
    gen.start();
    ctx.traces.add(gen, request.owner);
  });
}

function promptOf(ctx: ServerContext, r: GenerationRequest): number[] {
  if (r.kind === "chat") return ctx.served.encodeChat(r.messages);
  if (typeof r.prompt === "string") return ctx.served.encode(r.prompt);
  return r.prompt ?? [];
}

function finished(ctx: ServerContext, gen: Generation): void {
  for (const c of gen.choices) ctx.metrics.observeFinished(c.req);
}
