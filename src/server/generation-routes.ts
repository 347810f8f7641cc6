import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { EngineCore } from "../engine/engine-core.js";
import { InputError } from "../errors.js";
import type { CompiledGrammar } from "../grammar/grammar-compiler.js";
import { ApiError, badField } from "./api-error.js";
import { readBodySlabs } from "./read-body-slabs.js";
import { Generation } from "./generation.js";
import type { Choice, GenerationSink, LogprobEntry } from "./generation.js";
import { detectChatOutputFormat, outputMarkers } from "../chat/chat-output-format.js";
import { ChatOutputParser, parseChatOutput } from "../chat/chat-output-parser.js";
import { chatEventDeltas, chatFinishReason, chatOutputOptions, toolChoiceGrammar } from "./chat-output.js";
import { chatChunk, fullResponse, streamChunk, usageChunk } from "./openai-shapes.js";
import type { ModelLease, ModelSlot } from "./model-registry.js";
import { inputErrorAsBadField } from "./parse-generation-request.js";
import type { GenerationRequest } from "./parse-generation-request.js";
import { peekModelName } from "./peek-model-name.js";
import type { ServedModel } from "./served-model.js";
import { newRequestId } from "./server-context.js";
import type { ServerContext } from "./server-context.js";
import { SseWriter } from "./sse-writer.js";

/**
 * POST /v1/completions and /v1/chat/completions, streaming (SSE) or not. Their scope reads JSON bodies as raw
 * byte slabs (readBodySlabs): the body's `model` routes the request (loading that model if need be), then the
 * model's PromptTokenizer decodes, validates and tokenizes it, a large one on its worker thread.
 */
export function registerGenerationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const route = (kind: "completion" | "chat") => async (request: FastifyRequest, reply: FastifyReply) => {
    const arrivalMs = performance.now();
    const slabs = request.body;
    if (!Array.isArray(slabs) || !slabs.every((b) => Buffer.isBuffer(b))) throw new ApiError(400, "the request body must be a JSON object (Content-Type: application/json)", "invalid_request_error", null, "invalid_body");
    const slot = ctx.models.find(peekModelName(slabs as Buffer[]));
    if (ctx.draining) throw new ApiError(503, "the server is shutting down", "overloaded_error", null, "shutting_down", 5);
    const lease = await acquireWithin(ctx, slot, arrivalMs);
    try {
      // The lease is released when the generation ends (its sink's onDone) or here when it never starts.
      return await handle(ctx, slot, lease, kind, slabs as Buffer[], arrivalMs, request, reply);
    } catch (err) {
      lease.release();
      throw err;
    }
  };
  void app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", (request, payload, done) => readBodySlabs(payload, request.headers["content-length"], request.routeOptions.bodyLimit, done));
    scope.post("/v1/completions", route("completion"));
    scope.post("/v1/chat/completions", route("chat"));
  });
}

async function handle(ctx: ServerContext, slot: ModelSlot, lease: ModelLease, kind: "completion" | "chat", slabs: Buffer[], arrivalMs: number, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { served, engine, tokenizer, limits } = lease.model;
  const prepared = await tokenizer.prepare(kind, slabs, limits);
  const promptIds = prepared.promptIds;
  if (prepared.request.ignoredFields.length > 0) request.log.debug({ url: request.url, ignoredFields: prepared.request.ignoredFields }, "request fields accepted and ignored");
  // Tool calls and reasoning: how the answer is parsed (the model's template picks the format).
  const chatFormat = detectChatOutputFormat(served.chatTemplate);
  const outputOptions = chatOutputOptions(served, chatFormat, prepared.request, promptIds);
  // A forced tool_choice ("required" or a named function) is the request's grammar: an xgrammar structural tag in the
  // model's own tool-call syntax whose arguments follow the tool's parameters (the parser refused response_format with it).
  const toolGrammar = toolChoiceGrammar(chatFormat, prepared.request, outputOptions);
  const base: GenerationRequest = toolGrammar === null ? prepared.request : { ...prepared.request, grammar: { spec: toolGrammar, field: "tool_choice" } };
  const r = outputOptions === null ? base : { ...base, keepSpecial: outputMarkers(chatFormat) };
  if (ctx.models.find(r.model) !== slot)
    throw new ApiError(400, "the body names more than one model (a repeated 'model' key)", "invalid_request_error", "model", "invalid_value");
  const res = reply.raw;
  if (res.destroyed) {
    lease.release();
    return reply.hijack(); // the client left while its request was parsed off-thread (or its model loaded)
  }
  checkAdmission(ctx, engine, r.n);
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
    lease.release();
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
    const parsers = outputOptions === null ? null : Array.from({ length: r.n }, () => new ChatOutputParser(outputOptions));
    const sink: GenerationSink = {
      onDelta(choice: Choice, text: string, logprobs: LogprobEntry[], finishReason) {
        const first = !started.has(choice);
        if (first) started.add(choice);
        if (parsers !== null) return sendParsed(parsers[choice.index], choice, text, logprobs, finishReason, first);
        if (text.length === 0 && logprobs.length === 0 && finishReason === null && !first) return;
        sse.data(streamChunk(gen, created, model, choice, text, logprobs, finishReason, first));
      },
      onDone(g) {
        disarmDeadline();
        finished(ctx, g);
        lease.release();
        // A stream cut short never ends with [DONE]: the client must not take a truncated answer for a whole one.
        if (g.error) return sse.fail(asApiError(g.error));
        if (r.includeUsage) sse.data(usageChunk(g, created, model));
        sse.data("[DONE]");
        sse.end();
      },
    };
    // Tool calls and reasoning as OpenAI streams them: role first, then content / reasoning_content / tool_calls deltas, then {} with the finish reason.
    const sendParsed = (parser: ChatOutputParser, choice: Choice, text: string, logprobs: LogprobEntry[], finishReason: "stop" | "length" | null, first: boolean): void => {
      if (first) sse.data(chatChunk(gen, created, model, choice.index, { role: "assistant", content: "" }, [], null));
      const events = parser.push(text);
      if (finishReason !== null) events.push(...parser.finish());
      const deltas = chatEventDeltas(events);
      if (deltas.length === 0 && logprobs.length > 0) deltas.push({ content: "" });
      deltas.forEach((delta, i) => sse.data(chatChunk(gen, created, model, choice.index, delta, i === 0 ? logprobs : [], null)));
      if (finishReason !== null) sse.data(chatChunk(gen, created, model, choice.index, {}, [], chatFinishReason(finishReason, parser.toolCallCount)));
    };
    const gen = newGeneration(sink);
    reply.hijack();
    const sse = new SseWriter(res, id);
    res.on("close", () => gen.abort());
    try {
      gen.start(arrivalMs);
    } catch (err) {
      const e = asApiError(err instanceof Error ? err : new Error(String(err)));
      gen.cancel(e);
      lease.release();
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
        lease.release();
        if (g.aborted) return resolve(reply);
        if (g.error) {
          const e = asApiError(g.error);
          if (e.retryAfterSec !== null) void reply.header("retry-after", String(e.retryAfterSec));
          return resolve(reply.code(e.status).type("application/json").send(e.toBody()));
        }
        const parsed = outputOptions === null ? null : g.choices.map((c) => parseChatOutput(outputOptions, c.text));
        resolve(reply.header("x-request-id", id).send(fullResponse(g, created, model, parsed)));
      },
    };
    const gen = newGeneration(sink);
    res.on("close", () => {
      if (!res.writableEnded) gen.abort();
    });
    gen.start(arrivalMs);
    armDeadline(gen);
    ctx.traces.add(gen, request.owner);
  });
}

/** The slot's model (loading it, or waiting for memory, if need be), within the request's deadline when it has one. */
async function acquireWithin(ctx: ServerContext, slot: ModelSlot, arrivalMs: number): Promise<ModelLease> {
  const timeoutMs = ctx.requestTimeoutMs;
  const acquiring = ctx.models.acquire(slot);
  if (timeoutMs === null) return acquiring;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, arrivalMs + timeoutMs - performance.now()))));
  const lease = await Promise.race([acquiring, expired]).finally(() => clearTimeout(timer));
  if (lease !== null) return lease;
  void acquiring.then((l) => l.release(), () => undefined); // the load goes on (others may want it); this request has gone
  throw timeoutError(timeoutMs);
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

function checkAdmission(ctx: ServerContext, engine: EngineCore, n: number): void {
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
