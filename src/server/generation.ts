import type { EngineCore } from "../engine/engine-core.js";
import type { EngineRequest, RequestListener, TokenEvent } from "../engine/engine-request.js";
import type { CompiledGrammar } from "../grammar/grammar-compiler.js";
import { resolveSamplingParams } from "../sampling/sampling-params.js";
import type { SamplingParams } from "../sampling/sampling-params.js";
import { StopStrings } from "../sampling/stop-strings.js";
import { ApiError } from "./api-error.js";
import type { GenerationRequest } from "./parse-generation-request.js";
import type { ServedModel, TokenDecoder } from "./served-model.js";

export interface TopLogprobEntry {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface LogprobEntry extends TopLogprobEntry {
  id: number;
  top_logprobs: TopLogprobEntry[];
}

export interface Choice {
  index: number;
  req: EngineRequest;
  text: string;
  /** Every token's logprobs, for the non-streaming answer (empty when streaming). */
  logprobs: LogprobEntry[];
  /** Text per generated token as it was emitted (for traces). */
  tokenTexts: string[];
  finishReason: "stop" | "length" | null;
  done: boolean;
  readonly decoder: TokenDecoder;
  readonly stops: StopStrings;
}

export interface GenerationSink {
  /** New text (possibly empty) and logprobs of one choice; finishReason set on its last delta. */
  onDelta(choice: Choice, text: string, logprobs: LogprobEntry[], finishReason: "stop" | "length" | null): void;
  /** Every choice has finished (or the generation was aborted / failed). */
  onDone(gen: Generation): void;
}

/**
 * One HTTP generation request: `n` engine requests sharing a prompt, their detokenization, stop strings and
 * logprobs in OpenAI's shape. The engine reports tokens; text is made here, and a stop string ends the engine
 * request before its next step.
 */
export class Generation implements RequestListener {
  readonly choices: Choice[] = [];
  /** Why the generation failed or was cut short by the server (fault, deadline, shutdown). */
  error: Error | null = null;
  /** The client went away (nothing is answered). */
  aborted = false;
  private nDone = 0;
  private readonly samplings: SamplingParams[];

  /** Resolves every choice's sampling parameters, so a bad value throws here, before any response byte is sent. */
  constructor(
    readonly id: string,
    readonly served: ServedModel,
    readonly engine: EngineCore,
    readonly request: GenerationRequest,
    readonly promptIds: number[],
    private readonly sink: GenerationSink,
    /** The request's compiled grammar: each choice gets its own constraint from it (disposed by start()). */
    private readonly grammar: CompiledGrammar | null = null,
  ) {
    const r = request;
    this.samplings = Array.from({ length: r.n }, (_, i) => {
      const seed = r.sampling.seed === undefined ? undefined : r.sampling.seed + i;
      return resolveSamplingParams({ ...r.sampling, seed }, served.model.vocabSize);
    });
  }

  /** `arrivalMs`: when the HTTP request came in (default now), so its TTFT counts what happened before (a model load). */
  start(arrivalMs?: number): void {
    const r = this.request;
    const ctxLen = this.served.model.ctxLen;
    const defaultMax = r.kind === "completion" ? 16 : ctxLen - this.promptIds.length;
    const maxTokens = Math.min(r.maxTokens ?? defaultMax, ctxLen - this.promptIds.length);
    const stopTokenIds = new Set(r.ignoreEos ? [] : this.served.eosIds);
    try {
      for (let i = 0; i < r.n; i++) this.addChoice(i, maxTokens, stopTokenIds, arrivalMs);
    } finally {
      this.grammar?.dispose();
    }
  }

  private addChoice(i: number, maxTokens: number, stopTokenIds: ReadonlySet<number>, arrivalMs: number | undefined): void {
    const r = this.request;
    const constraint = this.grammar?.createConstraint();
    const params = { maxTokens, sampling: this.samplings[i], topLogprobs: r.topLogprobs, stopTokenIds, ...(r.cacheSalt !== null ? { cacheSalt: r.cacheSalt } : {}), ...(constraint ? { constraint } : {}) };
    const reqId = r.n === 1 ? this.id : `${this.id}-${i}`;
    let req: EngineRequest;
    try {
      req = this.engine.add(reqId, this.promptIds, params, this, arrivalMs);
    } catch (err) {
      constraint?.dispose();
      throw err;
    }
    this.choices.push({ index: i, req, text: "", logprobs: [], tokenTexts: [], finishReason: null, done: false, decoder: this.served.createDecoder(this.promptIds, r.keepSpecial ?? []), stops: new StopStrings(r.stop) });
  }

  /** The client went away: frees every choice's sequence now. */
  abort(): void {
    if (this.nDone === this.choices.length) return;
    this.aborted = true;
    for (const c of this.choices) this.engine.finish(c.req, "abort");
  }

  /** The server ends the generation (e.g. its deadline passed): frees every sequence now; `reason` is what the client is told. */
  cancel(reason: ApiError): void {
    if (this.nDone === this.choices.length) return;
    this.error ??= reason;
    for (const c of this.choices) this.engine.finish(c.req, "abort");
  }

  get completionTokens(): number {
    let n = 0;
    for (const c of this.choices) n += c.req.output.length;
    return n;
  }

  onToken(req: EngineRequest, ev: TokenEvent): void {
    const choice = this.choiceOf(req);
    const raw = choice.decoder.push(ev.token);
    const text = choice.stops.push(raw);
    choice.tokenTexts.push(raw);
    choice.text += text;
    const entries: LogprobEntry[] = [];
    if (ev.logprob !== null) {
      const piece = this.served.tokenPiece(ev.token);
      const top = ev.topLogprobs.map(([id, lp]) => {
        const p = this.served.tokenPiece(id);
        return { token: p.text, logprob: lp, bytes: p.bytes };
      });
      entries.push({ id: ev.token, token: piece.text, logprob: ev.logprob, bytes: piece.bytes, top_logprobs: top });
      if (!this.request.stream) choice.logprobs.push(entries[0]); // a stream has sent them already: keeping them would only grow memory
    }
    this.sink.onDelta(choice, text, entries, null);
    if (choice.stops.stopped) this.engine.finish(req, "stop"); // ends the sequence now; calls onFinish
  }

  onFinish(req: EngineRequest): void {
    const choice = this.choiceOf(req);
    if (choice.done) return;
    choice.done = true;
    if (req.error) this.error ??= req.error;
    // An abort the client did not ask for (e.g. a shutdown past its grace) must not look like a success.
    if (req.finishReason === "abort" && !this.aborted && this.error === null)
      this.error = new ApiError(503, "the server cancelled the request before it finished", "server_error", null, "cancelled");
    if (req.finishReason !== "abort") {
      const tail = choice.stops.push(choice.decoder.flush()) + choice.stops.flush();
      choice.text += tail;
      choice.finishReason = req.finishReason;
      this.sink.onDelta(choice, tail, [], req.finishReason);
    }
    if (++this.nDone === this.choices.length) this.sink.onDone(this);
  }

  private choiceOf(req: EngineRequest): Choice {
    for (const c of this.choices) if (c.req === req) return c;
    throw new Error(`generation ${this.id}: unknown engine request ${req.id}`);
  }
}
