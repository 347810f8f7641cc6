import { afterAll, describe, expect, it } from "vitest";
import { WasmBackend } from "../../src/kernels/wasm/index.js";
import { selectTopK } from "../../src/sampling/candidate-sort.js";
import { expNonPositive, expSumBelowMax } from "../../src/sampling/exp-sum.js";
import { logSumExp } from "../../src/sampling/logprobs.js";
import { hostView } from "../kernels/host-view.js";

// The log-softmax's exp against the runtime's Math.exp (V8's fdlibm port), and top-k selection against a full
// sort, on logits shaped like a model's (4096 values, spread ±20) and at the edges of the float64 range.
function logits(n: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return Float32Array.from({ length: n }, () => (rand() + rand() + rand() - 1.5) * 14);
}

describe("expNonPositive", () => {
  it("matches Math.exp to 4e-15 relative over [−745, 0], and gives 0 below, NaN for NaN", () => {
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      const y = -745 * (i / 200_000) ** 2;
      const want = Math.exp(y);
      if (want < 1e-300) continue; // subnormal results keep fewer bits in both
      worst = Math.max(worst, Math.abs(expNonPositive(y) - want) / want);
    }
    expect(worst).toBeLessThan(4e-15);
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-Math.LN2)).toBeCloseTo(0.5, 15);
    expect(expNonPositive(-746)).toBe(0);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(NaN)).toBeNaN();
  });

  it("sums a vocabulary of logits as Math.exp does (log-sum-exp within 1e-13)", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const x = logits(4096, seed);
      let max = -Infinity;
      for (const v of x) max = Math.max(max, v);
      let want = 0;
      for (const v of x) want += Math.exp(v - max);
      expect(Math.abs(expSumBelowMax(x, x.length, max) / want - 1)).toBeLessThan(1e-13);
      expect(Math.abs(logSumExp(x, x.length) - (max + Math.log(want)))).toBeLessThan(1e-13);
    }
  });
});

// The wasm backend's log-sum-exp (assembly/log-sum-exp.ts: float32 exponentials summed in float64, what the server's
// logprobs use) against Math.exp, on rows in and out of its memory, odd lengths, and the special values.
describe("WasmBackend.logSumExp", () => {
  const wasm = new WasmBackend();
  afterAll(() => wasm.close());
  const exact = (x: Float32Array): number => {
    let max = -Infinity;
    for (const v of x) max = Math.max(max, v);
    let sum = 0;
    for (const v of x) sum += Math.exp(v - max);
    return max + Math.log(sum);
  };

  it("equals log Σ Math.exp within 1e-6, in and out of wasm memory", () => {
    for (const [n, seed] of [[4096, 1], [4097, 2], [151936, 3], [7, 4], [1, 5], [3, 6]] as const) {
      const x = logits(n, seed);
      if (seed === 3) for (let i = 0; i < n; i += 97) x[i] = -800; // far below the maximum
      const inside = hostView(wasm).allocTensor(n);
      inside.set(x);
      for (const row of [x, inside]) expect(Math.abs(wasm.logSumExp(row, n) - exact(x))).toBeLessThan(1e-6);
    }
  });

  it("NaN or +∞ gives NaN, a row of −∞ gives −∞, as the TypeScript version", () => {
    const x = logits(37, 9);
    x[30] = NaN;
    expect(wasm.logSumExp(x, 37)).toBeNaN();
    x[30] = Infinity;
    expect(wasm.logSumExp(x, 37)).toBeNaN();
    expect(logSumExp(x, 37)).toBeNaN();
    expect(wasm.logSumExp(new Float32Array(9).fill(-Infinity), 9)).toBe(-Infinity);
    expect(wasm.logSumExp(Float32Array.from([0, -Infinity, -Infinity]), 3)).toBe(0);
  });
});

describe("selectTopK", () => {
  it("equals the first k of a full sort (key descending, ties → lower id), ties and repeats included", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const x = logits(4096, seed).map((v) => Math.round(v * 4) / 4); // many equal keys
      const order = Array.from(x.keys()).sort((a, b) => x[b]! - x[a]! || a - b);
      for (const k of [1, 5, 20, 64]) {
        const ids = new Int32Array(k);
        selectTopK(x, x.length, k, ids);
        expect(Array.from(ids)).toEqual(order.slice(0, k));
      }
    }
  });
});

// The wasm backend's top-k (assembly/top-k.ts, what the server's logprobs and traces use) against the same full
// sort and against selectTopK: many equal keys, lengths not a multiple of four, k above n, ±∞, rows in and out of
// wasm memory.
describe("WasmBackend.topK", () => {
  const wasm = new WasmBackend();
  afterAll(() => wasm.close());

  it("equals selectTopK and the first k of a full sort, ties → lower id", () => {
    for (const [n, seed] of [[4096, 1], [4097, 2], [151936, 3], [7, 4], [1, 5], [3, 6]] as const) {
      const x = logits(n, seed).map((v) => Math.round(v * 4) / 4);
      if (seed === 2) x[4096] = 1e9; // the largest value in the tail after the four-wide groups
      if (seed === 3) for (let i = 5; i < n; i += 1001) x[i] = -Infinity;
      const order = Array.from(x.keys()).sort((a, b) => x[b]! - x[a]! || a - b);
      const inside = hostView(wasm).allocTensor(n);
      inside.set(x);
      for (const k of [1, 5, 20, 64]) {
        const want = new Int32Array(k);
        if (k <= n) selectTopK(x, n, k, want); // (callers keep k ≤ n: Logprobs clamps it to the vocabulary)
        for (const row of [x, inside]) {
          const got = new Int32Array(k).fill(-7);
          wasm.topK(row, n, k, got);
          expect(Array.from(got.subarray(0, Math.min(k, n)))).toEqual(order.slice(0, k));
          if (k <= n) expect(Array.from(got)).toEqual(Array.from(want));
          else expect(Array.from(got.subarray(n))).toEqual(new Array(k - n).fill(-7)); // nothing written past n
        }
      }
    }
  });

  it("ranks +∞ first and −∞ last", () => {
    const x = Float32Array.from([-Infinity, 3, Infinity, -Infinity, 3, 2, -Infinity, 9, 1]);
    const got = new Int32Array(9);
    wasm.topK(x, 9, 9, got);
    expect(Array.from(got)).toEqual([2, 7, 1, 4, 5, 8, 0, 3, 6]);
  });
});
