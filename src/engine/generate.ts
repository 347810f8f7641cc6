import { setImmediate as nextTurn } from "node:timers/promises";
import { InputError } from "../errors.js";
import { grammarCompilerFor } from "../grammar/grammar-compiler.js";
import type { GrammarSpec } from "../grammar/grammar-spec.js";
import { responseFormatToSpec, type ResponseFormat } from "../grammar/response-format.js";
import type { LogitsConstraint } from "../sampling/logits-constraint.js";
import { kvBytesPerToken } from "../kernels/kv-layer.js";
import { checkKvBudget } from "../kv/kv-budget.js";
import type { Model } from "../model/model-api.js";
import { resolveSamplingParams, type SamplingParams } from "../sampling/sampling-params.js";
import { StopStrings } from "../sampling/stop-strings.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { EngineCore } from "./engine-core.js";
import type { RequestListener } from "./engine-request.js";
import type { RequestParams } from "./request-params.js";
import { giveBackRunner, takeRunner } from "./runner-pool.js";
import { GenerationTimer, type GenerationTimings } from "./timings.js";

export interface GenerateOptions {
  maxTokens: number;
  sampling?: Partial<SamplingParams>;
  /** Generation ends before the first occurrence of any of these (it is not part of the text). */
  stop?: readonly string[];
  /** Stop on these ids as well as the tokenizer's EOS / end-of-turn ids. */
  extraStopIds?: readonly number[];
  /** KV cache length; default (and maximum) the model's context length. */
  ctxSize?: number;
  /** Prompt tokens per forward pass. Default 64. */
  prefillChunk?: number;
  /** Report the log-probability of each token and of this many alternatives (OpenAI `top_logprobs`). */
  topLogprobs?: number;
  /** Called with each piece of text as soon as it is safe to show (stop strings held back). */
  onText?: (text: string) => void;
  /** Called after each generated token: its log-probability and the topLogprobs alternatives when requested (else NaN, []). */
  onToken?: (id: number, logprob: number, top: readonly TokenLogprob[]) => void;
  /** Let the event loop run between tokens (servers); a CLI can leave it off. */
  yieldBetweenTokens?: boolean;
  signal?: AbortSignal;
  /**
   * Memory the KV cache may take (the CLI passes the machine's memory): a model that declares a huge context is
   * refused before its cache is allocated. Unset: no check (the engine also runs in browsers, which do not say).
   */
  memoryBudgetBytes?: number;
  /** Structured output as OpenAI's `response_format` (json_object, json_schema; text = none). */
  responseFormat?: ResponseFormat;
  /** Structured output as a grammar: a JSON schema, GBNF text, … (takes precedence over responseFormat). */
  grammar?: GrammarSpec;
}

/** A token and its log-probability under the raw logits (OpenAI's logprobs). */
export interface TokenLogprob {
  id: number;
  logprob: number;
}

const noAlternatives: readonly TokenLogprob[] = [];

export type GenerateFinishReason = "stop" | "length" | "abort";

export interface GenerationResult {
  text: string;
  promptTokens: number;
  /** Generated tokens (the EOS that ended it excluded). */
  tokens: number;
  tokenIds: number[];
  finishReason: GenerateFinishReason;
  timings: GenerationTimings;
}

/**
 * Generates text for one prompt, as a client of the engine core: tokenize (BOS as the tokenizer's post-processor
 * adds it), prefill the prompt in chunks through the KV cache, then decode one token at a time, streaming the text
 * through the tokenizer's streaming decoder and the stop-string matcher. A prompt given as ids is used as is.
 */
export async function generate(model: Model, tokenizer: Tokenizer, prompt: string | readonly number[], opts: GenerateOptions): Promise<GenerationResult> {
  const timer = new GenerationTimer(opts.maxTokens);
  timer.start();
  const promptIds = typeof prompt === "string" ? tokenizer.encode(prompt) : [...prompt];
  const { vocabSize } = model.config;
  const ctxLen = Math.min(opts.ctxSize ?? model.config.ctxLen, model.config.ctxLen);
  if (promptIds.length === 0) throw new InputError("the prompt is empty (and the tokenizer adds no BOS)");
  if (promptIds.length >= ctxLen) throw new InputError(`the prompt has ${promptIds.length} tokens; the context holds ${ctxLen}`);
  if (!Number.isInteger(opts.maxTokens) || opts.maxTokens < 0) throw new InputError(`maxTokens = ${opts.maxTokens}: expected an integer ≥ 0`);
  // Before anything sized by ctxLen (the sampler's penalty window, the KV cache): the default is the model's declared context.
  const c = model.config;
  if (opts.memoryBudgetBytes !== undefined) checkKvBudget(model.path, ctxLen, ctxLen, kvBytesPerToken(model.kvType, c.nLayers, c.nKvHeads * c.headDim), opts.memoryBudgetBytes);

  const constraint = await compileConstraint(tokenizer, vocabSize, opts);
  try {
    return await decode(model, tokenizer, promptIds, ctxLen, timer, constraint, opts);
  } finally {
    constraint?.dispose();
  }
}

async function compileConstraint(tokenizer: Tokenizer, vocabSize: number, opts: GenerateOptions): Promise<LogitsConstraint | null> {
  const spec = opts.grammar ?? responseFormatToSpec(opts.responseFormat, "responseFormat");
  if (spec === null) return null;
  const compiled = await grammarCompilerFor(tokenizer, vocabSize).compile(spec, opts.grammar ? "grammar" : "responseFormat");
  try {
    return compiled.createConstraint();
  } finally {
    compiled.dispose();
  }
}

/**
 * One request through the engine core (the server's generation path): a single-sequence engine whose token budget
 * is the prefill chunk, so the prompt runs in the same chunks as always and decoding one token per step. The
 * engine's context limit is ctxLen + 1: the token sampled from the last position is still emitted.
 */
async function decode(model: Model, tokenizer: Tokenizer, promptIds: number[], ctxLen: number, timer: GenerationTimer, constraint: LogitsConstraint | null, opts: GenerateOptions): Promise<GenerationResult> {
  const { vocabSize } = model.config;
  const runner = takeRunner(model, ctxLen);
  const engine = new EngineCore(runner, {
    maxBatchTokens: Math.max(1, opts.prefillChunk ?? 64), maxSeqs: 1, traceTopK: 0, now: () => performance.now(),
    maxModelLen: ctxLen + 1, maxTopLogprobs: opts.topLogprobs ?? 0,
  });
  const decoder = tokenizer.createStreamingDecoder();
  const stops = new StopStrings(opts.stop ?? []);
  const tokenIds: number[] = [];
  let text = "";
  let prefilled = false;
  let emittedThisStep = false;
  const emit = (piece: string): void => {
    if (piece.length === 0) return;
    text += piece;
    opts.onText?.(piece);
  };
  const prefillEnd = (): void => {
    if (prefilled) return;
    prefilled = true;
    timer.prefillEnd(promptIds.length);
  };
  const listener: RequestListener = {
    onToken(req, ev) {
      prefillEnd();
      timer.token();
      emittedThisStep = true;
      tokenIds.push(ev.token);
      opts.onToken?.(ev.token, ev.logprob ?? NaN, ev.topLogprobs.length > 0 ? ev.topLogprobs.map(([id, logprob]) => ({ id, logprob })) : noAlternatives);
      emit(stops.push(decoder.push(ev.token)));
      if (stops.stopped) engine.finish(req, "stop");
    },
    onFinish(req) {
      prefillEnd();
      // A stop token was sampled (and is timed) but not emitted. (The engine has disposed a grammar by now.)
      if (req.finishReason === "stop" && !emittedThisStep) timer.token();
    },
  };
  const params: RequestParams = {
    maxTokens: opts.maxTokens,
    sampling: resolveSamplingParams(opts.sampling ?? {}, vocabSize),
    topLogprobs: opts.topLogprobs ?? null,
    stopTokenIds: new Set([...tokenizer.eosIds, ...(opts.extraStopIds ?? [])]),
    ...(constraint ? { constraint } : {}),
  };
  timer.prefillStart();
  const req = engine.add("generate", promptIds, params, listener);
  try {
    // An abort is seen between steps; a step that ends the prompt also samples the first token.
    while (!req.isFinished) {
      emittedThisStep = false;
      if (opts.signal?.aborted) engine.finish(req, "abort");
      else await engine.step();
      if (opts.yieldBetweenTokens && req.numComputed >= promptIds.length && !req.isFinished) await nextTurn();
    }
  } catch (err) {
    throw req.error ?? err;
  }
  if (req.error) throw req.error;
  giveBackRunner(model, runner);
  if (!stops.stopped) {
    emit(stops.push(decoder.flush()));
    emit(stops.flush());
  }
  timer.end();
  return { text, promptTokens: promptIds.length, tokens: tokenIds.length, tokenIds, finishReason: req.finishReason ?? "abort", timings: timer.summary() };
}
