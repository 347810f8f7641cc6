import type { PrefixCache } from "../kv/prefix-cache.js";
import type { EngineRequest } from "./engine-request.js";

export interface SchedulerConfig {
  /** Most tokens (decode tokens + prompt chunks) one step may run. */
  maxBatchTokens: number;
  /** Most sequences one step may run (`--parallel`). */
  maxSeqs: number;
}

export interface ScheduledRequest {
  req: EngineRequest;
  /** Tokens of this request computed this step: [req.numComputed, req.numComputed + nTokens). */
  nTokens: number;
}

export interface SchedulerOutput {
  scheduled: ScheduledRequest[];
  nTokens: number;
  preempted: EngineRequest[];
}

/**
 * vLLM-style scheduler with no prefill/decode phases: each step packs, within a token budget, first one token
 * for every running request that is decoding, then chunks of partly computed prompts, then new requests from
 * the waiting queue (whose cached prefix is taken from the prefix cache first). When the KV cache has no room,
 * the most recently admitted running request is preempted: its blocks are freed and it goes back to the front
 * of the queue, to be recomputed later (prompt + the tokens it already generated).
 */
export class Scheduler {
  readonly running: EngineRequest[] = [];
  readonly waiting: EngineRequest[] = [];

  constructor(
    readonly config: SchedulerConfig,
    readonly cache: PrefixCache,
  ) {}

  add(req: EngineRequest): void {
    this.waiting.push(req);
  }

  /** Removes a request wherever it is and frees its blocks (abort, or finished). */
  remove(req: EngineRequest): void {
    const r = this.running.indexOf(req);
    if (r >= 0) this.running.splice(r, 1);
    const w = this.waiting.indexOf(req);
    if (w >= 0) this.waiting.splice(w, 1);
    this.cache.release(req.blockTable);
    req.numCommittedBlocks = 0;
  }

  get hasWork(): boolean {
    return this.running.length > 0 || this.waiting.length > 0;
  }

  schedule(): SchedulerOutput {
    const out: SchedulerOutput = { scheduled: [], nTokens: 0, preempted: [] };
    const planned = new Map<EngineRequest, number>();
    let budget = this.config.maxBatchTokens;

    // Running requests: decoding ones (one token) first, then prompt chunks; in admission order within each.
    for (const decoding of [true, false]) {
      for (const req of [...this.running]) {
        if (budget <= 0) break;
        if (planned.has(req) || !this.running.includes(req)) continue;
        const need = req.numTokens - req.numComputed;
        if (decoding !== (need === 1)) continue;
        const n = Math.min(need, budget);
        const needBlocks = this.blocksFor(req.numComputed + n) - req.blockTable.length;
        let fits = true;
        while (!this.cache.allocate(req.blockTable, needBlocks)) {
          const victim = this.running[this.running.length - 1];
          this.preempt(victim, out);
          budget += planned.get(victim) ?? 0;
          planned.delete(victim);
          if (victim === req) {
            fits = false;
            break;
          }
        }
        if (!fits) continue;
        planned.set(req, n);
        budget -= n;
      }
    }

    // New (or preempted) requests, in arrival order, while there is budget, a sequence slot and KV room.
    while (budget > 0 && this.waiting.length > 0 && this.running.length < this.config.maxSeqs && out.preempted.length === 0) {
      const req = this.waiting[0];
      if (req.numComputed === 0 && req.blockTable.length === 0) this.takeCachedPrefix(req);
      const n = Math.min(req.numTokens - req.numComputed, budget);
      const needBlocks = this.blocksFor(req.numComputed + n) - req.blockTable.length;
      if (!this.cache.allocate(req.blockTable, needBlocks)) {
        this.cache.release(req.blockTable);
        req.numComputed = 0;
        req.numCommittedBlocks = 0;
        break;
      }
      this.waiting.shift();
      req.status = "running";
      this.running.push(req);
      planned.set(req, n);
      budget -= n;
    }

    for (const req of this.running) {
      const n = planned.get(req);
      if (n !== undefined) out.scheduled.push({ req, nTokens: n });
    }
    out.nTokens = this.config.maxBatchTokens - budget;
    return out;
  }

  private blocksFor(nTokens: number): number {
    return Math.ceil(nTokens / this.cache.blockSize);
  }

  private preempt(victim: EngineRequest, out: SchedulerOutput): void {
    this.running.pop();
    this.cache.release(victim.blockTable);
    victim.numComputed = 0;
    victim.numCommittedBlocks = 0;
    victim.numPreemptions++;
    victim.status = "waiting";
    this.waiting.unshift(victim);
    out.preempted.push(victim);
  }

  /** Shares the longest cached run of the request's full blocks; at least one token is left to compute. */
  private takeCachedPrefix(req: EngineRequest): void {
    const cache = this.cache;
    const maxBlocks = Math.floor((req.numTokens - 1) / cache.blockSize);
    const firstLookup = !req.prefixLookedUp;
    req.prefixLookedUp = true;
    const hit = cache.acquireCachedPrefix(req, maxBlocks, req.params.cacheSalt ?? "", firstLookup);
    req.blockContents.length = 0;
    for (const b of hit) {
      req.blockTable.push(b);
      req.blockContents.push(cache.contentIdOf(b));
    }
    req.numComputed = hit.length * cache.blockSize;
    req.numCommittedBlocks = hit.length;
    if (firstLookup) req.numCachedPromptTokens = req.numComputed;
  }
}
