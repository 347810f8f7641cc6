import { setImmediate as nextTurn } from "node:timers/promises";
import { InputError } from "../errors.js";
import { grammarCompilerFor } from "../grammar/grammar-compiler.js";
import type { GrammarSpec } from "../grammar/grammar-spec.js";
import { responseFormatToSpec, type ResponseFormat } from "../grammar/response-format.js";
import type { LogitsConstraint } from "../sampling/logits-constraint.js";
import { kvBytesPerToken } from "../kernels/kv-layer.js";
import { checkKvBudget } from "../kv/kv-budget.js";
import type { Model } from "../model/load-model.js";
import type { ForwardBatch } from "../model/transformer.js";
import { Logprobs } from "../sampling/logprobs.js";
import { Sampler } from "../sampling/sampler.js";
import { resolveSamplingParams, type SamplingParams } from "../sampling/sampling-params.js";
import { StopStrings } from "../sampling/stop-strings.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
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

const seqId = 0;

/**
 * Generates text for one prompt: tokenize (BOS as the tokenizer's post-processor adds it), prefill the prompt in
 * chunks through the KV cache, then decode one token at a time, streaming the text through the tokenizer's
 * streaming decoder and the stop-string matcher. A prompt given as ids is used as is.
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

async function decode(model: Model, tokenizer: Tokenizer, promptIds: number[], ctxLen: number, timer: GenerationTimer, constraint: LogitsConstraint | null, opts: GenerateOptions): Promise<GenerationResult> {
  const { vocabSize } = model.config;
  // The backend's log-sum-exp and top-k where it has them (greedy takes the top 1), as the server's engine uses them,
  // so run and serve pick and report the same.
  const backend = model.backend;
  const lse = backend.logSumExp?.bind(backend);
  const topK = backend.topK?.bind(backend);
  const sampler = new Sampler(resolveSamplingParams(opts.sampling ?? {}, vocabSize), vocabSize, ctxLen, topK, constraint);
  sampler.acceptPrompt(promptIds);
  const logprobs = opts.topLogprobs !== undefined ? new Logprobs(vocabSize, opts.topLogprobs, lse, topK) : undefined;
  const stopIds = new Set([...tokenizer.eosIds, ...(opts.extraStopIds ?? [])]);
  const decoder = tokenizer.createStreamingDecoder();
  const stops = new StopStrings(opts.stop ?? []);
  const kv = model.createKvCache({ ctxLen, maxSeqs: 1, capacityTokens: ctxLen });
  let logits: Float32Array = new Float32Array(0);
  let text = "";
  const emit = (piece: string): void => {
    if (piece.length === 0) return;
    text += piece;
    opts.onText?.(piece);
  };

  // Prefill: the prompt in chunks; only the last chunk's last row needs logits.
  timer.prefillStart();
  const chunk = Math.max(1, opts.prefillChunk ?? 64);
  for (let start = 0; start < promptIds.length; start += chunk) {
    const end = Math.min(start + chunk, promptIds.length);
    logits = await model.forward(promptBatch(promptIds, start, end), kv);
  }
  timer.prefillEnd(promptIds.length);

  // Decode: one preallocated single-token batch reused for every step.
  const step: ForwardBatch = { nTokens: 1, tokens: new Int32Array(1), positions: new Int32Array(1), seqIds: new Int32Array(1).fill(seqId), logitRows: new Int32Array(1), nLogitRows: 1 };
  const tokenIds: number[] = [];
  let finishReason: GenerateFinishReason = "length";
  let position = promptIds.length;
  while (tokenIds.length < opts.maxTokens) {
    if (opts.signal?.aborted) {
      finishReason = "abort";
      break;
    }
    const id = sampler.sample(logits);
    const logprob = logprobs ? logprobs.compute(logits, id, opts.topLogprobs ?? 0) : NaN;
    timer.token();
    if (stopIds.has(id)) {
      finishReason = "stop";
      break;
    }
    tokenIds.push(id);
    sampler.accept(id);
    if (opts.onToken) opts.onToken(id, logprob, logprobs ? topOf(logprobs, opts.topLogprobs ?? 0) : noAlternatives);
    emit(stops.push(decoder.push(id)));
    if (stops.stopped || sampler.constraintTerminated) {
      finishReason = "stop";
      break;
    }
    if (tokenIds.length >= opts.maxTokens || position >= ctxLen) break;
    step.tokens[0] = id;
    step.positions[0] = position++;
    logits = await model.forward(step, kv);
    if (opts.yieldBetweenTokens) await nextTurn();
  }
  if (!stops.stopped) {
    emit(stops.push(decoder.flush()));
    emit(stops.flush());
  }
  kv.freeSeq(seqId);
  timer.end();
  return { text, promptTokens: promptIds.length, tokens: tokenIds.length, tokenIds, finishReason, timings: timer.summary() };
}

function topOf(lp: Logprobs, n: number): TokenLogprob[] {
  const k = Math.min(n, lp.maxTop, lp.vocabSize);
  return Array.from({ length: k }, (_, i) => ({ id: lp.topIds[i]!, logprob: lp.topLogprobs[i]! }));
}

function promptBatch(ids: readonly number[], start: number, end: number): ForwardBatch {
  const n = end - start;
  const batch = { nTokens: n, tokens: new Int32Array(n), positions: new Int32Array(n), seqIds: new Int32Array(n).fill(seqId), logitRows: new Int32Array([n - 1]), nLogitRows: 1 };
  for (let i = 0; i < n; i++) {
    batch.tokens[i] = ids[start + i]!;
    batch.positions[i] = start + i;
  }
  return batch;
}
