import { InputError } from "../errors.js";
import { ApiError } from "./api-error.js";
import { collectGarbage } from "./collect-garbage.js";
import { LoadedModel } from "./loaded-model.js";
import type { EngineLimits } from "./loaded-model.js";
import type { ModelSource } from "./model-source.js";

export type ModelState = "unloaded" | "loading" | "loaded" | "unloading";
export type UnloadReason = "idle" | "memory" | "shutdown";

export interface RegistryOptions extends EngineLimits {
  /** Idle time after its last request before a model is unloaded; 0: right after; null: never. */
  readonly keepAliveMs: number | null;
  /** Most bytes the loaded models may hold together; null: no limit. */
  readonly maxMemoryBytes: number | null;
  /** An engine failed closed (its state is unknown). */
  readonly onFatal?: (err: Error) => void;
  /** One line per load / unload. */
  readonly log?: (line: string) => void;
}

/** One served model: its source, and whether (and how) it is in memory. */
export class ModelSlot {
  state: ModelState = "unloaded";
  loaded: LoadedModel | null = null;
  loading: Promise<LoadedModel> | null = null;
  /** Requests routed here that wait for the load (they hold the model as much as running ones do). */
  pending = 0;
  idleTimer: NodeJS.Timeout | null = null;
  /** Measured at the last load (weights, KV cache, scratch). */
  memoryBytes: number | null = null;
  loads = 0;
  readonly unloads: Record<UnloadReason, number> = { idle: 0, memory: 0, shutdown: 0 };

  constructor(readonly source: ModelSource) {}

  get id(): string {
    return this.source.names[0];
  }

  get busy(): boolean {
    return this.pending > 0 || (this.loaded !== null && this.loaded.active > 0);
  }
}

/** A request's hold on a loaded model; `release` (idempotent) when the request has ended. */
export interface ModelLease {
  readonly model: LoadedModel;
  release(): void;
}

/** Engine totals of unloaded models, so the server's counters never go down. */
export interface RetiredTotals {
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  prefixQueries: number;
  prefixHits: number;
}

/**
 * The models a server serves, as ollama keeps them: each loads on its first request (concurrent first requests
 * share one load), and unloads after `keepAliveMs` without requests, or when loading another would pass
 * `maxMemoryBytes` — least recently used idle models first; a model with requests is never unloaded, and a load
 * that needs their memory waits until they end. A model larger than the limit on its own still loads, alone.
 */
export class ModelRegistry {
  readonly slots: readonly ModelSlot[];
  readonly retired: RetiredTotals = { promptTokens: 0, generationTokens: 0, preemptions: 0, prefixQueries: 0, prefixHits: 0 };
  private readonly byName = new Map<string, ModelSlot>();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    sources: readonly ModelSource[],
    readonly o: RegistryOptions,
  ) {
    if (sources.length === 0) throw new InputError("no model to serve");
    this.slots = sources.map((s) => new ModelSlot(s));
    for (const slot of this.slots) {
      for (const name of slot.source.names) {
        const other = this.byName.get(name);
        if (other !== undefined) throw new InputError(`the model name '${name}' is given to both ${other.source.path} and ${slot.source.path}`);
        this.byName.set(name, slot);
      }
    }
  }

  /** The slot a request's `model` names; none (or "default") is the first model, as llama-server and ollama route. */
  find(name: string | null): ModelSlot {
    if (name === null || name === "default") return this.slots[0];
    const slot = this.byName.get(name);
    if (slot === undefined)
      throw new ApiError(404, `The model \`${name.slice(0, 200)}\` does not exist`, "invalid_request_error", "model", "model_not_found");
    return slot;
  }

  loadedModels(): LoadedModel[] {
    const out: LoadedModel[] = [];
    for (const s of this.slots) if (s.loaded !== null) out.push(s.loaded);
    return out;
  }

  /** The slot's model, loaded first if need be (the caller waits; its TTFT includes the load). */
  async acquire(slot: ModelSlot): Promise<ModelLease> {
    if (this.closed) throw shuttingDown();
    slot.pending++;
    let model: LoadedModel;
    try {
      model = slot.loaded ?? (await this.load(slot));
    } finally {
      slot.pending--;
    }
    model.active++;
    model.lastUsedMs = performance.now();
    if (slot.idleTimer !== null) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    let released = false;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        this.release(slot, model);
      },
    };
  }

  /** Unloads every model (the server is closing); later acquires fail with 503. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeWaiters();
    await Promise.all(this.slots.map((s) => s.loading?.catch(() => undefined)));
    await Promise.all(this.slots.map((s) => this.unload(s, "shutdown")));
  }

  private load(slot: ModelSlot): Promise<LoadedModel> {
    slot.loading ??= this.loadNow(slot).finally(() => (slot.loading = null));
    return slot.loading;
  }

  private async loadNow(slot: ModelSlot): Promise<LoadedModel> {
    slot.state = "loading";
    try {
      await this.makeRoom(slot, slot.memoryBytes ?? slot.source.estimatedBytes);
      if (this.closed) throw shuttingDown();
      const t0 = performance.now();
      const { served, close } = await slot.source.load();
      const model = new LoadedModel(served, this.o, close);
      model.engine.onFatal = (err) => this.o.onFatal?.(err);
      slot.loaded = model;
      slot.state = "loaded";
      slot.loads++;
      slot.memoryBytes = model.memoryBytes;
      const fit = served.contextFit !== undefined ? `; ${served.contextFit}` : "";
      this.o.log?.(`loaded ${slot.id} from ${slot.source.path} in ${Math.round(performance.now() - t0)} ms (${mib(model.memoryBytes)})${fit}`);
      await this.evictOver(slot);
      return model;
    } catch (err) {
      if (slot.loaded === null) slot.state = "unloaded";
      if (err instanceof ApiError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new ApiError(500, `the model '${slot.id}' could not be loaded: ${message}`, "server_error", "model", "model_load_failed");
    }
  }

  /** Unloads least recently used idle models until `needBytes` more fit the limit; waits while only busy ones could go. */
  private async makeRoom(slot: ModelSlot, needBytes: number): Promise<void> {
    const max = this.o.maxMemoryBytes;
    if (max === null) return;
    for (;;) {
      if (this.closed) return;
      const others = this.slots.filter((s) => s !== slot && s.loaded !== null);
      const used = others.reduce((n, s) => n + (s.loaded?.memoryBytes ?? 0), 0);
      if (used + needBytes <= max || others.length === 0) {
        if (others.length === 0 && needBytes > max) this.o.log?.(`${slot.id} (${mib(needBytes)}) is larger than --max-memory ${mib(max)} on its own: loading it alone`);
        return;
      }
      const victim = leastRecentlyUsedIdle(others);
      if (victim !== null) {
        await this.unload(victim, "memory");
        continue;
      }
      // Every loaded model has requests running: wait until one ends, then look again.
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** After a load (its size now measured): idle others go while the total passes the limit. */
  private async evictOver(loaded: ModelSlot): Promise<void> {
    const max = this.o.maxMemoryBytes;
    if (max === null) return;
    for (;;) {
      const inMemory = this.slots.filter((s) => s.loaded !== null);
      if (inMemory.reduce((n, s) => n + (s.loaded?.memoryBytes ?? 0), 0) <= max) return;
      const victim = leastRecentlyUsedIdle(inMemory.filter((s) => s !== loaded));
      if (victim === null) return;
      await this.unload(victim, "memory");
    }
  }

  private release(slot: ModelSlot, model: LoadedModel): void {
    model.active--;
    model.lastUsedMs = performance.now();
    this.wakeWaiters();
    if (slot.busy || slot.loaded !== model) return;
    const keepAlive = this.o.keepAliveMs;
    if (keepAlive === null) return;
    if (keepAlive === 0) {
      void this.unload(slot, "idle");
      return;
    }
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = null;
      if (!slot.busy && slot.loaded === model) void this.unload(slot, "idle");
    }, keepAlive);
    slot.idleTimer.unref();
  }

  private async unload(slot: ModelSlot, reason: UnloadReason): Promise<void> {
    const model = slot.loaded;
    if (model === null) return;
    if (slot.idleTimer !== null) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    slot.loaded = null;
    slot.state = "unloading";
    slot.unloads[reason]++;
    const t = model.engine.totals;
    const kv = model.engine.cache.stats();
    this.retired.promptTokens += t.promptTokens;
    this.retired.generationTokens += t.generationTokens;
    this.retired.preemptions += t.preemptions;
    this.retired.prefixQueries += kv.queries * model.engine.cache.blockSize;
    this.retired.prefixHits += kv.hits * model.engine.cache.blockSize;
    await model.close();
    collectGarbage();
    if (slot.state === "unloading") slot.state = "unloaded"; // (not when a request has started loading it again)
    this.o.log?.(`unloaded ${slot.id} (${reason === "idle" ? "idle past --keep-alive" : reason === "memory" ? "to stay under --max-memory" : "shutting down"})`);
  }

  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
  }
}

function leastRecentlyUsedIdle(slots: readonly ModelSlot[]): ModelSlot | null {
  let best: ModelSlot | null = null;
  for (const s of slots) {
    if (s.busy || s.loaded === null) continue;
    if (best === null || s.loaded.lastUsedMs < (best.loaded?.lastUsedMs ?? Infinity)) best = s;
  }
  return best;
}

function shuttingDown(): ApiError {
  return new ApiError(503, "the server is shutting down", "overloaded_error", null, "shutting_down", 5);
}

const mib = (n: number): string => `${Math.round(n / 2 ** 20)} MiB`;
