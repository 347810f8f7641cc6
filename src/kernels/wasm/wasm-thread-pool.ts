import { Worker } from "node:worker_threads";
import { BackendFailedError } from "../../errors.js";
import { KernelPoolError } from "./kernel-pool-error.js";
import {
  ARG_SLOTS, ARGS_BYTE_OFFSET, BROKEN, CHUNK_BITS, CONTROL_BYTES, CHUNK_MASK, CHUNKS_PER_THREAD, CTRL, FAILED_START, FAILED_THROW, FAULT_EXIT, FAULT_HANG, FAULT_THROW, MAX_CHUNKS_PER_THREAD,
  MESSAGE_SLOTS, TAG_MASK,
} from "./pool-control.js";
import { POOL_WORKER_SOURCE } from "./pool-worker-source.js";

/** Iterations the calling thread spins on the done counter before sleeping. */
const MAIN_SPIN_LIMIT = 4_000;
/**
 * How long the calling thread waits on workers' chunks before it calls them stalled. Generous: one chunk of a large
 * model's prefill product can take seconds on a busy host, and a false alarm fails a whole step.
 */
export const POOL_STALL_TIMEOUT_MS = 30_000;

export type KernelFn = (...args: number[]) => number | void;
export type PoolFault = "exit" | "throw" | "hang";

/**
 * Worker threads sharing one WebAssembly.Memory; `run` splits a kernel's range [0, n) (rows of a matmul, heads or
 * tokens of another kernel) into chunks that the calling thread and the workers claim. Jobs are posted through a
 * generation counter in a shared control block: workers spin on it for a while (a round trip ~0.4 µs) before
 * sleeping in Atomics.wait (a futex wake costs ~6 µs), so back-to-back kernels of a decode step never pay for a sleep.
 * Relaxed SIMD needs no worker flag: V8 flags are process-wide (set by loadWasmKernels), and Node refuses V8 flags
 * in a worker's execArgv.
 *
 * Watchdog: a worker that dies (exit, throw) says so in the control block; one that holds a chunk past
 * `stallTimeoutMs` is called stalled. Either way `run` throws KernelPoolError after replacing every worker (new
 * threads and a new control block over the same memory, so a late old worker cannot touch the next job's counters);
 * `whenReady` then resolves once the old threads have exited and the new ones are up. If new workers cannot start,
 * the pool is broken and every later `run` throws BackendFailedError.
 */
export class WasmThreadPool {
  readonly nThreads: number;
  private control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  /** The kernel arguments, after the control slots in the same buffer (pool-control.ts). */
  private args = argsOf(this.control);
  private readonly workers: Worker[] = [];
  private ready: Promise<void>;
  private brokenBy: Error | null = null;

  constructor(private readonly memory: WebAssembly.Memory, private readonly module: WebAssembly.Module,
    private readonly names: readonly string[], private readonly fns: readonly KernelFn[], nThreads: number,
    private readonly spinLimit = 20_000, readonly stallTimeoutMs = POOL_STALL_TIMEOUT_MS) {
    this.nThreads = Math.max(1, Math.min(nThreads, CTRL.maxThreads));
    this.ready = this.spawnWorkers();
  }

  private spawnWorkers(): Promise<void> {
    const online: Promise<void>[] = [];
    const control = this.control.buffer;
    try {
      for (let i = 1; i < this.nThreads; i++) {
        const w = new Worker(POOL_WORKER_SOURCE, {
          eval: true,
          workerData: { memory: this.memory, module: this.module, control, index: i, names: this.names, spinLimit: this.spinLimit },
        });
        // Referenced until online (so awaiting whenReady keeps the process alive), then unreferenced: idle pool
        // threads must not keep a finished program running.
        // A worker that fails before it is up breaks the pool; one that fails later is replaced (its "exit" below).
        let up = false;
        online.push(new Promise((resolve, reject) => {
          w.once("online", () => {
            up = true;
            w.unref();
            resolve();
          });
          w.once("error", (err) => {
            if (!up && this.workers.includes(w)) reject(this.markBroken(`pool worker ${i} failed to start: ${String(err)}`));
          });
        }));
        // A worker that dies between jobs is replaced before the next one (run checks `failed`).
        w.once("exit", () => {
          if (this.workers.includes(w)) Atomics.compareExchange(this.control, CTRL.failed, 0, i);
        });
        this.workers.push(w);
      }
    } catch (err) {
      const failed = Promise.reject(this.markBroken(`cannot start pool workers: ${String(err)}`));
      failed.catch(() => undefined);
      return failed;
    }
    const ready = Promise.all(online).then(() => undefined);
    ready.catch(() => undefined); // also reported by run(); nobody need await it
    return ready;
  }

  private markBroken(message: string): BackendFailedError {
    const err = new BackendFailedError(`wasm thread pool: ${message}`);
    this.brokenBy ??= err;
    Atomics.store(this.control, CTRL.failed, BROKEN);
    return err;
  }

  /**
   * Resolves once every worker thread has started (kernels work before that too: they just wait longer), and after a
   * failure once the old threads have exited; rejects with BackendFailedError when the pool cannot be rebuilt.
   */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Index of a kernel in the name table, for `run`. */
  opOf(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new RangeError(`wasm pool: no kernel named ${name}`);
    return i;
  }

  /**
   * Runs kernel `op` with the arguments already written by `setArgs`, followed by a range [r0, r1) of [0, n) per
   * call: the range is cut into chunks (whole multiples of `grain`, e.g. 4 rows, about `chunksPerThread` per thread,
   * at most MAX_CHUNKS_PER_THREAD)
   * that the calling thread and the workers claim as they come free, so a thread the host has descheduled holds up
   * one chunk rather than its whole share (llama.cpp's matmul hands out chunks the same way). Returns when every
   * chunk is done.
   */
  run(op: number, argc: 6 | 8 | 12, n: number, grain = 1, chunksPerThread = CHUNKS_PER_THREAD): void {
    const fn = this.fns[op]!;
    const units = Math.ceil(n / grain);
    if (this.nThreads === 1 || units < 2) {
      this.call(fn, argc, 0, n);
      return;
    }
    if (this.control[CTRL.failed] !== 0) this.replaceIdleWorker();
    const c = this.control;
    // Small jobs (a few norm rows, a few attention heads) go in one chunk per thread: more would cost more in claims
    // than they could save.
    const cpt = Math.min(chunksPerThread, MAX_CHUNKS_PER_THREAD);
    const perThread = units >= 2 * cpt * this.nThreads ? cpt : 1;
    const chunk = Math.ceil(units / Math.min(units, this.nThreads * perThread)) * grain;
    const chunks = Math.ceil(n / chunk);
    const gen = (Atomics.load(c, CTRL.gen) + 1) | 0;
    const tag = gen & TAG_MASK;
    // Close the previous job's chunks before its fields change (a late worker's claim then fails), post this one.
    Atomics.store(c, CTRL.next, (((gen - 1) & TAG_MASK) << CHUNK_BITS) | CHUNK_MASK);
    c[CTRL.op] = op;
    c[CTRL.argc] = argc;
    c[CTRL.n] = n;
    c[CTRL.chunk] = chunk;
    c[CTRL.chunks] = chunks;
    Atomics.store(c, CTRL.done, 0);
    Atomics.store(c, CTRL.next, tag << CHUNK_BITS);
    Atomics.store(c, CTRL.gen, gen);
    Atomics.notify(c, CTRL.gen);
    for (;;) {
      const v = Atomics.load(c, CTRL.next);
      const k = v & CHUNK_MASK;
      if (k >= chunks) break;
      if (Atomics.compareExchange(c, CTRL.next, v, v + 1) !== v) continue;
      const r0 = k * chunk;
      this.call(fn, argc, r0, Math.min(n, r0 + chunk));
      Atomics.add(c, CTRL.done, 1);
    }
    let spins = 0, waitStartMs = 0;
    for (;;) {
      const done = Atomics.load(c, CTRL.done);
      if (done === chunks) break;
      // Spin briefly (a worker's last chunk usually ends within microseconds), then sleep until notified: on an
      // oversubscribed host a long spin burns the time slice the late worker needs. Only a sleeping wait checks the
      // watchdog, so the fast path pays nothing for it.
      if (++spins > MAIN_SPIN_LIMIT) {
        if (waitStartMs === 0) waitStartMs = performance.now();
        else if (c[CTRL.failed] !== 0 || performance.now() - waitStartMs > this.stallTimeoutMs) this.checkWorkers(waitStartMs);
        Atomics.wait(c, CTRL.done, done, 1);
      }
    }
  }

  /** Throws KernelPoolError (after rebuilding the pool) if a worker holding part of this job died or stalled. */
  private checkWorkers(waitStartMs: number): void {
    const c = this.control;
    const dead = c[CTRL.failed]!;
    let err: KernelPoolError | null = null;
    if (dead > 0 && c[CTRL.holding + dead] !== 0) {
      const kind = c[CTRL.failedKind] === FAILED_THROW ? "threw" : "exited";
      err = new KernelPoolError(dead, kind, this.deathMessage());
    } else if (dead === BROKEN) {
      throw this.brokenBy!;
    } else if (performance.now() - waitStartMs > this.stallTimeoutMs) {
      const held: number[] = [];
      for (let i = 1; i < this.nThreads; i++) if (c[CTRL.holding + i] !== 0) held.push(i);
      err = new KernelPoolError(held[0] ?? 0, "stalled", `workers [${held.join(", ")}] held chunks of kernel ${this.names[c[CTRL.op]!]} for over ${this.stallTimeoutMs} ms`);
    }
    if (err === null) return; // a worker died idle: the others finish this job, the next run replaces it
    this.rebuild();
    throw err;
  }

  private deathMessage(): string {
    const c = this.control;
    let text = "";
    for (let i = 0; i < MESSAGE_SLOTS && c[CTRL.message + i] !== 0; i++) text += String.fromCharCode(c[CTRL.message + i]!);
    return text;
  }

  /**
   * Before posting a job: a worker died between jobs (nothing was lost: replace it), or one could not even set up its
   * kernels (the next would fail the same way: the pool is broken), or the pool is broken.
   */
  private replaceIdleWorker(): void {
    const c = this.control;
    if (c[CTRL.failed]! > 0 && c[CTRL.failedKind] === FAILED_START) {
      throw this.markBroken(`pool worker ${c[CTRL.failed]} could not set up its kernels: ${this.deathMessage()}`);
    }
    if (c[CTRL.failed] === BROKEN) throw this.brokenBy!;
    this.rebuild();
  }

  /**
   * Stops and terminates every worker (termination interrupts even a wasm loop or an Atomics.wait) and starts new
   * ones on a fresh control block; the kernel arguments already set carry over.
   */
  private rebuild(): void {
    const old = this.control;
    Atomics.store(old, CTRL.stop, 1);
    Atomics.store(old, CTRL.next, CHUNK_MASK);
    Atomics.add(old, CTRL.gen, 1);
    Atomics.notify(old, CTRL.gen);
    const retired = this.workers.splice(0);
    const exited = Promise.all(retired.map((w) => w.terminate()));
    const oldArgs = this.args;
    this.control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
    this.args = argsOf(this.control);
    this.args.set(oldArgs);
    const started = this.spawnWorkers();
    if (this.brokenBy) throw this.brokenBy;
    this.ready = Promise.all([exited, started]).then(() => undefined);
    this.ready.catch(() => undefined);
  }

  /**
   * For tests: ends worker `index` as a crash would (Worker.terminate: no exit handler of its own runs); resolves
   * once it has exited. The pool replaces it before the next job.
   */
  async terminateWorker(index: number): Promise<void> {
    this.checkWorkerIndex(index);
    await this.workers[index - 1]!.terminate();
  }

  private checkWorkerIndex(index: number): void {
    if (!Number.isInteger(index) || index < 1 || index >= this.nThreads) throw new RangeError(`wasm pool: no worker ${index} (pool of ${this.nThreads} threads)`);
  }

  /**
   * For tests: worker `index` (1 … nThreads − 1) fails that way at the next chunk it claims — exits, throws, or hangs
   * holding the chunk until the stall timeout.
   */
  injectFault(index: number, fault: PoolFault): void {
    this.checkWorkerIndex(index);
    const kind = fault === "exit" ? FAULT_EXIT : fault === "throw" ? FAULT_THROW : FAULT_HANG;
    Atomics.store(this.control, CTRL.fault, (index << 2) | kind);
  }

  setArgs(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6 = 0, a7 = 0, a8 = 0, a9 = 0,
    a10 = 0, a11 = 0): void {
    const a = this.args;
    a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3; a[4] = a4; a[5] = a5;
    a[6] = a6; a[7] = a7; a[8] = a8; a[9] = a9; a[10] = a10; a[11] = a11;
  }

  private call(fn: KernelFn, argc: number, r0: number, r1: number): void {
    const a = this.args;
    if (argc === 6) fn(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, r0, r1);
    else if (argc === 8) fn(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, r0, r1);
    else fn(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, r0, r1);
  }

  /** Stops the workers (they exit at their next wake-up). */
  async close(): Promise<void> {
    Atomics.store(this.control, CTRL.stop, 1);
    Atomics.store(this.control, CTRL.next, CHUNK_MASK); // no job left to claim
    Atomics.add(this.control, CTRL.gen, 1);
    Atomics.notify(this.control, CTRL.gen);
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}

/** The float64 kernel arguments after a control block's int32 slots. */
function argsOf(control: Int32Array): Float64Array {
  return new Float64Array(control.buffer, ARGS_BYTE_OFFSET, ARG_SLOTS);
}
