import { describe, expect, it } from "vitest";
import { BackendFailedError } from "../../src/errors.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { KernelPoolError, WasmBackend, WasmThreadPool } from "../../src/kernels/wasm/index.js";
import type { PoolFault, PoolWorkerFailure } from "../../src/kernels/wasm/index.js";
import { matmulErrorBound, randomF32, randomWeightBytes, rng } from "./conformance-cases.js";
import { hostView, type HostView } from "./host-view.js";

// The pool's watchdog (wasm-thread-pool.ts): a worker that exits, throws or hangs while it holds a chunk of a job
// fails that job with KernelPoolError naming it, within a bounded time; the pool replaces its workers over the same
// memory and the next products are exact again, twice in a row (so the rebuilt workers are watched too).
const ref = hostView(createRefBackend());
const rows = 192, cols = 256, nTokens = 8;
const expected: Record<PoolFault, PoolWorkerFailure> = { exit: "exited", throw: "threw", hang: "stalled" };

/** An F32 product on `b` and its oracle: `exact()` runs it once and compares; `untilFails()` runs it until it throws. */
function productCase(b: HostView<WasmBackend>) {
  const rand = rng(31);
  const bytes = randomWeightBytes("F32", rows, cols, rand);
  const x = randomF32(nTokens * cols, rand);
  const want = new Float32Array(nTokens * rows);
  ref.matmul(want, x, ref.loadWeight("F32", rows, cols, bytes), nTokens);
  const bound = matmulErrorBound("F32", bytes, rows, cols, x, nTokens);
  const w = b.loadWeight("F32", rows, cols, bytes);
  const xb = b.allocTensor(nTokens * cols);
  xb.set(x);
  const got = b.allocTensor(nTokens * rows);
  return {
    exact(): boolean {
      got.fill(Number.NaN);
      b.matmul(got, xb, w, nTokens);
      for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i]! - want[i]!) <= bound[i]!)) return false;
      return true;
    },
    /** The armed worker fails at the next chunk it claims; the calling thread may take whole jobs first. */
    untilFails(): { caught: unknown; elapsedMs: number } {
      const t0 = performance.now();
      let caught: unknown = null;
      for (let job = 0; job < 5000 && caught === null && performance.now() - t0 < 5000; job++) {
        try {
          b.matmul(got, xb, w, nTokens);
        } catch (err) {
          caught = err;
        }
      }
      return { caught, elapsedMs: performance.now() - t0 };
    },
  };
}

function countInexact(c: { exact(): boolean }, jobs: number): number {
  let bad = 0;
  for (let job = 0; job < jobs; job++) if (!c.exact()) bad++;
  return bad;
}

describe("wasm pool watchdog", () => {
  for (const fault of ["exit", "throw", "hang"] as const) {
    it(`a worker that ${fault}s mid-job fails it with KernelPoolError in under 2 s; the rebuilt pool is exact`, async () => {
      // A short stall timeout only where the test hangs a worker: elsewhere a busy host must not trip it.
      const b = hostView(new WasmBackend({ threads: 3, ...(fault === "hang" ? { stallTimeoutMs: 700 } : {}) }));
      try {
        await b.whenReady();
        const product = productCase(b);
        for (let round = 0; round < 2; round++) {
          b.pool.injectFault(1 + round, fault);
          const { caught, elapsedMs } = product.untilFails();
          expect(caught).toBeInstanceOf(KernelPoolError);
          const e = caught as KernelPoolError;
          expect([e.workerIndex, e.failure]).toEqual([1 + round, expected[fault]]);
          if (fault === "throw") expect(e.message).toContain("fault injected by a test");
          expect(elapsedMs).toBeLessThan(2000);
          await b.whenReady();
          expect(countInexact(product, 300)).toBe(0);
        }
      } finally {
        await b.close();
      }
    });
  }

  it("a worker terminated between jobs is replaced before the next one, with no error", async () => {
    const b = hostView(new WasmBackend({ threads: 2 }));
    try {
      await b.whenReady();
      const product = productCase(b);
      expect(countInexact(product, 20)).toBe(0);
      await b.pool.terminateWorker(1);
      expect(countInexact(product, 300)).toBe(0);
      await b.whenReady();
      // The replacement is live and watched: a fault armed in worker 1 fires.
      b.pool.injectFault(1, "throw");
      const { caught } = product.untilFails();
      expect([(caught as KernelPoolError).workerIndex, (caught as KernelPoolError).failure]).toEqual([1, "threw"]);
    } finally {
      await b.close();
    }
  });

  it("a pool whose workers cannot set up their kernels is broken: every later job throws BackendFailedError", async () => {
    // A module without the kernels' exports: each worker throws at setThreadIndex, before it can run a job; the
    // calling thread runs the first jobs alone, then refuses (a rebuilt pool would fail the same way).
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    let calls = 0;
    const pool = new WasmThreadPool(memory, empty, ["count"], [() => void calls++], 2);
    try {
      const t0 = performance.now();
      let caught: unknown = null;
      while (caught === null && performance.now() - t0 < 5000) {
        try {
          pool.setArgs(0, 0, 0, 0, 0, 0);
          pool.run(0, 6, 64);
        } catch (err) {
          caught = err;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(caught).toBeInstanceOf(BackendFailedError);
      expect((caught as Error).message).toMatch(/pool worker 1 could not set up its kernels: TypeError.*setThreadIndex/);
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(calls).toBeGreaterThan(0);
      expect(() => pool.run(0, 6, 64)).toThrow(BackendFailedError);
    } finally {
      await pool.close();
    }
  });
});
