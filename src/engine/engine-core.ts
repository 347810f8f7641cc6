import { setImmediate as nextTurn } from "node:timers/promises";
import { BackendFailedError, InputError } from "../errors.js";
import { PrefixCache } from "../kv/prefix-cache.js";
import { Logprobs } from "../sampling/logprobs.js";
import { Sampler } from "../sampling/sampler.js";
import { createForwardBatch } from "./batch-model.js";
import type { BatchModel, ForwardBatch } from "./batch-model.js";
import { EngineDeadError } from "./engine-dead-error.js";
import { EngineRequest } from "./engine-request.js";
import type { RequestListener, TokenEvent } from "./engine-request.js";
import type { FinishReason, RequestParams } from "./request-params.js";
import { Scheduler } from "./scheduler.js";
import type { SchedulerOutput } from "./scheduler.js";

/** OpenAI allows up to 20 top_logprobs. */
export const MAX_TOP_LOGPROBS = 20;

export interface EngineConfig {
  maxBatchTokens: number;
  maxSeqs: number;
  /** How many alternatives each token's trace keeps (top-k by raw logprob). */
  traceTopK: number;
  now: () => number;
}

export interface StepStats {
  step: number;
  nTokens: number;
  nSeqs: number;
  nPreempted: number;
  /** Requests of this step's batch failed by an error in the forward pass (0, or all nSeqs). */
  nFailed: number;
  elapsedMs: number;
}

/**
 * The engine core (vLLM's EngineCore): `step()` = schedule → forward → sample → update. Requests join and
 * leave between steps; `run()` loops over steps and yields to the event loop after each, so HTTP handlers
 * (new requests, aborts) run between steps. Everything here is single-threaded: an abort takes effect at the
 * next step.
 *
 * Fault isolation: a forward pass that throws fails the requests of its batch only (their KV blocks are freed; none
 * of them had committed a block written by the failed pass), waiting requests stay queued, and the loop waits for the
 * model to be ready again (`BatchModel.whenReady`: e.g. the wasm pool rebuilt) before the next step. When the state
 * is unknown — the backend reports BackendFailedError, it cannot get ready again, or the scheduler's bookkeeping
 * itself throws — the engine fails closed: every request ends with the error, `fatalError` is set, `onFatal` is
 * called once, `add` throws EngineDeadError and the loop ends; a server should then exit non-zero. A sampler that
 * throws ends its own request only. Documented in docs/fault-isolation.md.
 */
export class EngineCore {
  readonly cache: PrefixCache;
  readonly scheduler: Scheduler;
  private readonly batch: ForwardBatch;
  private readonly logprobs: Logprobs;
  /** The model's top-k kernel, bound once for the trace's logprobs and every request's sampler. */
  private readonly topK: BatchModel["topK"];
  private nextSeqId = 1;
  private wake: (() => void) | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  /** A batch failed: wait for the model to be ready before the next step. */
  private recovering = false;
  private fatal: Error | null = null;
  lastStep: StepStats | null = null;
  /** Running totals since start: prompt tokens computed (recomputation included), tokens generated, steps, preemptions. */
  readonly totals = { promptTokens: 0, generationTokens: 0, steps: 0, preemptions: 0 };
  onStep: ((s: StepStats) => void) | null = null;
  /** Called once if the engine fails closed (see the class comment); every request has already ended with `err`. */
  onFatal: ((err: Error) => void) | null = null;

  constructor(
    readonly model: BatchModel,
    readonly config: EngineConfig,
  ) {
    if (model.ctxLen > model.numBlocks * model.blockSize)
      throw new InputError(`kv cache: ${model.numBlocks} blocks × ${model.blockSize} tokens cannot hold one sequence of ctxLen ${model.ctxLen}`);
    this.cache = new PrefixCache(model.numBlocks, model.blockSize);
    this.scheduler = new Scheduler({ maxBatchTokens: config.maxBatchTokens, maxSeqs: config.maxSeqs }, this.cache);
    this.batch = createForwardBatch(config.maxBatchTokens, config.maxSeqs);
    this.topK = model.topK?.bind(model);
    this.logprobs = new Logprobs(model.vocabSize, Math.max(MAX_TOP_LOGPROBS, config.traceTopK), model.logSumExp?.bind(model), this.topK);
  }

  /** Why the engine failed closed, or null while it is alive. */
  get fatalError(): Error | null {
    return this.fatal;
  }

  get numRunning(): number {
    return this.scheduler.running.length;
  }

  get numWaiting(): number {
    return this.scheduler.waiting.length;
  }

  /**
   * Queues a request; it is scheduled at the next step. The prompt must be non-empty and shorter than ctxLen.
   * `arrivalMs` (default now) is when it came in: a server passes its HTTP arrival, so TTFT includes a model load.
   */
  add(id: string, prompt: readonly number[], params: RequestParams, listener: RequestListener, arrivalMs = this.config.now()): EngineRequest {
    if (this.fatal) throw new EngineDeadError(this.fatal);
    if (prompt.length === 0) throw new InputError(`request ${id}: empty prompt`);
    if (prompt.length >= this.model.ctxLen) throw new InputError(`request ${id}: prompt of ${prompt.length} tokens does not fit the context of ${this.model.ctxLen}`);
    const sampler = new Sampler(params.sampling, this.model.vocabSize, this.model.ctxLen, this.topK, params.constraint ?? null);
    sampler.acceptPrompt(prompt);
    const req = new EngineRequest(id, this.nextSeqId++, prompt, params, sampler, arrivalMs, listener);
    if (this.nextSeqId > 0x7fffffff) this.nextSeqId = 1;
    this.scheduler.add(req);
    this.wake?.();
    return req;
  }

  /** Ends a request now (client gone, stop string seen): its KV blocks are freed before the next step. */
  finish(req: EngineRequest, reason: FinishReason): void {
    if (req.isFinished) return;
    this.scheduler.remove(req);
    this.end(req, reason);
  }

  private end(req: EngineRequest, reason: FinishReason): void {
    req.status = "finished";
    req.params.constraint?.dispose();
    req.finishReason = reason;
    req.finishedMs = this.config.now();
    try {
      req.listener.onFinish(req);
    } catch (err) {
      req.error ??= err instanceof Error ? err : new Error(String(err)); // the request is already out of the batch
    }
  }

  /** One step; rejects only when the engine fails closed (then every request has already ended with the error). */
  async step(): Promise<StepStats | null> {
    if (this.fatal) throw new EngineDeadError(this.fatal);
    try {
      return await this.stepOnce();
    } catch (err) {
      this.failClosed(asError(err));
      throw err;
    }
  }

  private async stepOnce(): Promise<StepStats | null> {
    const startMs = this.config.now();
    const plan = this.scheduler.schedule();
    if (plan.scheduled.length === 0) return null;
    const step = ++this.totals.steps;
    this.totals.preemptions += plan.preempted.length;
    const sampling = this.fillBatch(plan, step, startMs);
    let logits: Float32Array;
    try {
      logits = await this.model.forward(this.batch);
    } catch (err) {
      if (err instanceof BackendFailedError) throw err;
      return this.failBatch(plan, asError(err), step, startMs);
    }
    const nowMs = this.config.now();
    for (const { req } of plan.scheduled) req.chunks[req.chunks.length - 1].endMs = nowMs;
    const vocabSize = this.model.vocabSize;
    for (const { req } of plan.scheduled) this.commitBlocks(req);
    for (let k = 0; k < sampling.length; k++) {
      const req = sampling[k];
      if (req.isFinished) continue;
      try {
        this.sampleNext(req, logits.subarray(k * vocabSize, (k + 1) * vocabSize), nowMs);
      } catch (err) {
        if (err instanceof BackendFailedError) throw err;
        req.error = asError(err); // a sampler that fails (its own parameters) ends its own request
        this.finish(req, "abort");
      }
    }
    return this.recordStep(plan, step, 0, startMs);
  }

  private recordStep(plan: SchedulerOutput, step: number, nFailed: number, startMs: number): StepStats {
    const stats: StepStats = { step, nTokens: plan.nTokens, nSeqs: plan.scheduled.length, nPreempted: plan.preempted.length, nFailed, elapsedMs: this.config.now() - startMs };
    this.lastStep = stats;
    this.onStep?.(stats);
    return stats;
  }

  /**
   * The forward pass threw: only this batch's requests end (with the error); their blocks go back to the pool. The
   * blocks the pass wrote were not yet committed to the prefix cache (commitBlocks runs after it), so no other
   * request can read what it left half-written.
   */
  private failBatch(plan: SchedulerOutput, err: Error, step: number, startMs: number): StepStats {
    for (const { req } of plan.scheduled) {
      if (req.isFinished) continue;
      req.error = err;
      this.finish(req, "abort");
    }
    this.recovering = true;
    return this.recordStep(plan, step, plan.scheduled.length, startMs);
  }

  /** Loops over steps until `stop()`, sleeping while there is no work. */
  run(): Promise<void> {
    this.loop ??= (async () => {
      while (!this.stopped) {
        if (!this.scheduler.hasWork) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = null;
          continue;
        }
        try {
          await this.step();
        } catch {
          break; // failed closed: every request has ended with the error
        }
        if (this.recovering) {
          this.recovering = false;
          try {
            await this.model.whenReady?.();
          } catch (err) {
            this.failClosed(asError(err));
            break;
          }
        }
        await nextTurn();
      }
    })();
    return this.loop;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** The engine's state is unknown: end every request with the error, refuse new ones, stop the loop. */
  private failClosed(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    this.stopped = true;
    for (const req of [...this.scheduler.running, ...this.scheduler.waiting]) {
      req.error = err;
      try {
        this.scheduler.remove(req);
      } catch {
        // the scheduler's own state may be what failed: the request still ends
      }
      this.end(req, "abort");
    }
    this.onFatal?.(err);
  }

  /** Rows of this step: each scheduled request's next tokens; logits only where a request reaches its end. */
  private fillBatch(plan: SchedulerOutput, step: number, nowMs: number): EngineRequest[] {
    const b = this.batch;
    const sampling: EngineRequest[] = [];
    b.blockTables.clear();
    let r = 0;
    b.nLogitRows = 0;
    for (const { req, nTokens } of plan.scheduled) {
      const start = req.numComputed;
      for (let i = start; i < start + nTokens; i++, r++) {
        b.tokens[r] = req.tokenAt(i);
        b.positions[r] = i;
        b.seqIds[r] = req.seqId;
      }
      b.blockTables.set(req.seqId, req.blockTable);
      if (start + nTokens === req.numTokens) {
        b.logitRows[b.nLogitRows++] = r - 1;
        sampling.push(req);
      }
      req.firstScheduledMs ??= nowMs;
      req.chunks.push({ step, start, nTokens, startMs: nowMs, endMs: nowMs });
      this.recordKv(req, nowMs);
      req.numComputed = start + nTokens;
      if (start < req.prompt.length) this.totals.promptTokens += Math.min(req.prompt.length, start + nTokens) - start;
    }
    b.nTokens = r;
    return sampling;
  }

  private recordKv(req: EngineRequest, nowMs: number): void {
    let shared = 0;
    for (const b of req.blockTable) if (this.cache.refCountOf(b) > 1) shared++;
    const kv = req.kvBlocksOverTime;
    const last = kv.length > 0 ? kv[kv.length - 1] : null;
    if (!last || last[1] !== req.blockTable.length || last[2] !== shared) kv.push([nowMs, req.blockTable.length, shared]);
  }

  /** Registers the request's newly completed full blocks in the prefix cache. */
  private commitBlocks(req: EngineRequest): void {
    const bs = this.cache.blockSize;
    const nFull = Math.floor(req.numComputed / bs);
    if (nFull <= req.numCommittedBlocks) return;
    this.cache.extendBlockHashes((i) => req.tokenAt(i), nFull * bs, req.blockHashes, req.params.cacheSalt);
    for (let b = req.numCommittedBlocks; b < nFull; b++) this.cache.commitFullBlock(req.blockTable[b], req.blockHashes[b]);
    req.numCommittedBlocks = nFull;
  }

  private sampleNext(req: EngineRequest, logits: Float32Array, nowMs: number): void {
    const token = req.sampler.sample(logits);
    const p = req.params;
    if (p.stopTokenIds.has(token)) {
      this.finish(req, "stop");
      return;
    }
    const nTop = Math.max(p.topLogprobs ?? 0, this.config.traceTopK);
    const logprob = this.logprobs.compute(logits, token, nTop);
    const top: [number, number][] = [];
    // A grammar leaves forbidden tokens at -∞: they are no alternatives (and JSON has no -Infinity).
    for (let i = 0; i < nTop; i++) if (this.logprobs.topLogprobs[i] > -Infinity) top.push([this.logprobs.topIds[i], this.logprobs.topLogprobs[i]]);
    req.output.push(token);
    req.sampler.accept(token);
    this.totals.generationTokens++;
    req.firstTokenMs ??= nowMs;
    req.lastTokenMs = nowMs;
    req.tokenTimesMs.push(nowMs);
    req.outputLogprobs.push(logprob);
    req.topAlternatives.push(top.slice(0, this.config.traceTopK));
    const ev: TokenEvent = {
      token,
      index: req.output.length - 1,
      logprob: p.topLogprobs === null ? null : logprob,
      topLogprobs: p.topLogprobs === null ? [] : top.slice(0, p.topLogprobs),
      atMs: nowMs,
    };
    try {
      req.listener.onToken(req, ev);
    } catch (err) {
      // A failing listener ends its own request, not the whole batch.
      req.error = err instanceof Error ? err : new Error(String(err));
      this.finish(req, "abort");
    }
    if (req.isFinished) return; // the listener ended it (stop string)
    if (req.sampler.constraintTerminated) this.finish(req, "stop"); // the grammar accepted a stop token (ignore_eos)
    else if (req.output.length >= p.maxTokens || req.numTokens >= this.model.ctxLen) this.finish(req, "length");
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
