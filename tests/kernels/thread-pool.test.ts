import { afterAll, describe, expect, it } from "vitest";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { randomF32, rng } from "./conformance-cases.js";
import { hostView } from "./host-view.js";

// The pool hands each job out in chunks that the threads claim as they come free (wasm-thread-pool.ts). Thousands
// of back-to-back jobs of every size from 1 row up, each on fresh data over an output first filled with NaN: a chunk
// skipped, run twice with another job's arguments, or run by a worker a job late shows up as a wrong or NaN row.
const ref = hostView(createRefBackend());
const backends = [hostView(new WasmBackend({ threads: 2 })), hostView(new WasmBackend({ threads: 3 }))];
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

for (const b of backends) {
  describe(`wasm thread pool, ${b.threads} threads`, () => {
    it("runs every chunk of 3,000 back-to-back jobs of 1–40 rows exactly as the reference", async () => {
      await b.pool.whenReady();
      const rand = rng(7 + b.threads);
      const n = 33, maxRows = 40;
      const x = b.allocTensor(maxRows * n), got = b.allocTensor(maxRows * n), w = b.allocTensor(n);
      w.set(randomF32(n, rand));
      const want = new Float32Array(maxRows * n);
      let bad = 0;
      for (let job = 0; job < 3000; job++) {
        const rows = 1 + (job % maxRows);
        x.set(randomF32(rows * n, rand, 3));
        got.fill(Number.NaN);
        ref.rmsNorm(want, x, w, rows, n, 1e-5, false);
        b.rmsNorm(got, x, w, rows, n, 1e-5, false);
        for (let i = 0; i < rows * n; i++) {
          if (!(Math.abs(got[i]! - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)))) {
            bad++;
            break;
          }
        }
      }
      expect(bad).toBe(0);
    });
  });
}
