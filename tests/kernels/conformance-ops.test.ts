import { afterAll, describe, expect, it } from "vitest";
import type { Activation, KernelBackend, KvBatchView, RopeLayout } from "../../src/kernels/backend.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { randomF32, randomWeightBytes, rng } from "./conformance-cases.js";
import { backendLabel, noteMemory64Skip, wasmBackendsOnBothBuilds } from "./wasm-builds.js";

// The row-wise kernels of every fast backend against the scalar oracle, on buffers from the backend's own
// allocF32 (so wasm kernels, where they exist, read WebAssembly memory): odd row lengths, several rows.
// Tolerance 1e-5 relative to the largest output magnitude (float32 against float64 sums).
const ref = createRefBackend();
const backends = wasmBackendsOnBothBuilds([{ threads: 1 }, { threads: 2 }]);
noteMemory64Skip();
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

function inBackend(b: KernelBackend, x: Float32Array): Float32Array {
  const y = b.allocF32(x.length);
  y.set(x);
  return y;
}

function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  let scale = 1e-30;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 1e-5 * scale)) expect.fail(`${what} [${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

for (const b of backends) {
  describe(`row-wise kernels: ${backendLabel(b)}`, () => {
    const rand = rng(99 + b.threads);
    const nRows = 3, n = 37;
    const x = randomF32(nRows * n, rand, 3), w = randomF32(n, rand), bias = randomF32(n, rand);

    it("rmsNorm (weight, addOne, none) and layerNorm", () => {
      for (const [wt, addOne] of [[w, false], [w, true], [null, false]] as const) {
        const want = new Float32Array(x.length), got = b.allocF32(x.length);
        ref.rmsNorm(want, x, wt, nRows, n, 1e-5, addOne);
        b.rmsNorm(got, inBackend(b, x), wt ? inBackend(b, wt) : null, nRows, n, 1e-5, addOne);
        expectClose(got, want, `rmsNorm addOne=${addOne}`);
      }
      const want = new Float32Array(x.length), got = b.allocF32(x.length);
      ref.layerNorm(want, x, w, bias, nRows, n, 1e-5);
      b.layerNorm(got, inBackend(b, x), inBackend(b, w), inBackend(b, bias), nRows, n, 1e-5);
      expectClose(got, want, "layerNorm");
    });

    it("rope (normal and neox, partial rotation) and softmax", () => {
      const nTokens = 3, nHeads = 2, headDim = 8, nRot = 6;
      const q = randomF32(nTokens * nHeads * headDim, rand);
      const positions = Int32Array.from([0, 5, 17]);
      const invFreq = Float32Array.from({ length: nRot / 2 }, (_, i) => 10000 ** (-2 * i / nRot));
      for (const layout of ["normal", "neox"] as const) {
        const want = Float32Array.from(q), got = inBackend(b, q);
        ref.rope(want, nTokens, nHeads, headDim, nRot, positions, invFreq, layout, 1);
        b.rope(got, nTokens, nHeads, headDim, nRot, positions, invFreq, layout, 1);
        expectClose(got, want, `rope ${layout}`);
      }
      const want = Float32Array.from(x), got = inBackend(b, x);
      ref.softmax(want, nRows, n);
      b.softmax(got, nRows, n);
      expectClose(got, want, "softmax");
    });

    it.each(["silu", "gelu", "geluErf"] as Activation[])("activate and glu (%s)", (act) => {
      const want = Float32Array.from(x), got = inBackend(b, x);
      ref.activate(want, x.length, act);
      b.activate(got, x.length, act);
      expectClose(got, want, `activate ${act}`);
      const gateUp = randomF32(nRows * 2 * n, rand, 2);
      const g = new Float32Array(nRows * n), gb = b.allocF32(nRows * n);
      const gu = inBackend(b, gateUp);
      ref.glu(g, gateUp, gateUp.subarray(n), nRows, n, 2 * n, act);
      b.glu(gb, gu, gu.subarray(n), nRows, n, 2 * n, act);
      expectClose(gb, g, `glu ${act}`);
    });

    it.each(["silu", "gelu"] as Activation[])("%s over [-100, 100], element by element (polynomial exponential)", (act) => {
      const m = 4003;
      const xs = Float32Array.from({ length: m }, (_, i) => (i < 2000 ? (i - 1000) / 10 : (rand() * 2 - 1) * (i % 3 === 0 ? 1 : 30)));
      const gateUp = new Float32Array(2 * m);
      gateUp.set(xs);
      gateUp.fill(1.5, m);
      const want = new Float32Array(m), got = b.allocF32(m);
      ref.glu(want, gateUp, gateUp.subarray(m), 1, m, 2 * m, act);
      const gu = inBackend(b, gateUp);
      b.glu(got, gu, gu.subarray(m), 1, m, 2 * m, act);
      const inPlace = inBackend(b, xs), wantAct = Float32Array.from(xs);
      ref.activate(wantAct, m, act);
      b.activate(inPlace, m, act);
      for (let i = 0; i < m; i++) {
        const x = xs[i]!;
        // float32 rounding of the exponential, the division and the products: a few ulp of the result, plus
        // the absolute error of 1 − 1/(1 + e^2y) where GELU's tail is far below float32's resolution.
        const tol = (w: number): number => 4e-7 * Math.abs(w) + (act === "gelu" ? 1e-7 * Math.abs(x) : 0) + 1e-30;
        if (!(Math.abs(got[i]! - want[i]!) <= 1.5 * tol(want[i]! / 1.5))) expect.fail(`glu ${act}(${x}): got ${got[i]}, want ${want[i]}`);
        if (!(Math.abs(inPlace[i]! - wantAct[i]!) <= tol(wantAct[i]!))) expect.fail(`${act}(${x}): got ${inPlace[i]}, want ${wantAct[i]}`);
      }
    });

    it("rope: the reference's bits, call after call (q then k at the same positions, positions changed in place, another frequency table)", () => {
      const headDim = 12, nRot = 10, nTokens = 3;
      const positions = Int32Array.from([0, 7, 300]);
      const invFreq = Float32Array.from({ length: nRot / 2 }, (_, i) => 10000 ** (-2 * i / nRot));
      const invFreq2 = Float32Array.from({ length: nRot / 2 }, (_, i) => 500000 ** (-2 * i / nRot));
      const calls: [number, Float32Array, RopeLayout, number][] = [
        [4, invFreq, "normal", 1], [2, invFreq, "normal", 1], [2, invFreq, "neox", 1.25], [4, invFreq2, "neox", 1.25],
        [3, invFreq, "normal", 1],
      ];
      for (const step of [0, 1]) {
        if (step === 1) positions.set([5, 6, 1000]); // same array, new values: the kept table must not be reused
        for (const [nHeads, freq, layout, attnFactor] of calls) {
          const v = randomF32(nTokens * nHeads * headDim, rand, 2);
          const want = Float32Array.from(v), got = inBackend(b, v);
          ref.rope(want, nTokens, nHeads, headDim, nRot, positions, freq, layout, attnFactor);
          b.rope(got, nTokens, nHeads, headDim, nRot, positions, freq, layout, attnFactor);
          for (let i = 0; i < v.length; i++) {
            if (!Object.is(got[i], want[i])) expect.fail(`rope ${layout} step ${step} [${i}]: got ${got[i]}, want ${want[i]}`);
          }
        }
      }
    });

    it("add, addRows, mulRows, scale, softcap", () => {
      const y = randomF32(x.length, rand);
      const want = new Float32Array(x.length), got = b.allocF32(x.length);
      ref.add(want, x, y, x.length);
      b.add(got, inBackend(b, x), inBackend(b, y), x.length);
      expectClose(got, want, "add");
      ref.addRows(want, bias, nRows, n); b.addRows(got, inBackend(b, bias), nRows, n);
      expectClose(got, want, "addRows");
      ref.mulRows(want, w, nRows, n); b.mulRows(got, inBackend(b, w), nRows, n);
      expectClose(got, want, "mulRows");
      ref.scale(want, x.length, -0.7); b.scale(got, x.length, -0.7);
      expectClose(got, want, "scale");
      ref.softcap(want, x.length, 1.5); b.softcap(got, x.length, 1.5);
      expectClose(got, want, "softcap");
    });

    it("copyColumns: Q, K and V out of fused rows (odd widths), bit for bit", () => {
      const rows = 5, parts = [[0, 7], [7, 3], [10, 3]] as const, cols = 13;
      const src = randomF32(rows * cols, rand);
      for (const [c0, width] of parts) {
        const want = new Float32Array(rows * width);
        for (let r = 0; r < rows; r++) want.set(src.slice(r * cols + c0, r * cols + c0 + width), r * width);
        const fromRef = new Float32Array(rows * width), got = b.allocF32(rows * width);
        ref.copyColumns(fromRef, src, rows, cols, c0, width);
        b.copyColumns(got, inBackend(b, src), rows, cols, c0, width);
        expect(Array.from(fromRef)).toEqual(Array.from(want));
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    });

    it("embed of F32, F16 and BF16 rows (odd width; f16 subnormals, infinities, NaN), bit for bit; ids checked", () => {
      const rows = 6, cols = 19;
      const halves = new Uint16Array(rows * cols);
      // Random bit patterns, but subnormals only in row 2 (three of 114 values: under the 1/32 up to which the wasm
      // backend splits them out of the matrix at load, so the lookup must write them back).
      for (let i = 0; i < halves.length; i++) {
        const h = Math.floor(rand() * 65536);
        halves[i] = (h & 0x7c00) === 0 ? h | 0x0400 : h;
      }
      // Row 2: every special f16 class (±0, subnormals, the largest finite, ±Inf, NaNs), the rest random.
      halves.set([0x0000, 0x8000, 0x0001, 0x83ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0xfc01, 0x3c00], 2 * cols);
      const f32 = new Float32Array(rows * cols);
      for (let i = 0; i < f32.length; i++) f32[i] = (rand() - 0.5) * 1e3;
      const ids = Int32Array.from([2, 0, 5, 2, 3]);
      const cases = [["F32", new Uint8Array(f32.buffer)], ["F16", new Uint8Array(halves.buffer)], ["BF16", new Uint8Array(halves.buffer)]] as const;
      for (const [type, bytes] of cases) {
        const want = new Float32Array(ids.length * cols), got = b.allocF32(ids.length * cols);
        ref.embed(want, ref.loadWeight(type, rows, cols, bytes), ids, ids.length);
        const w = b.loadWeight(type, rows, cols, bytes);
        b.embed(got, w, ids, ids.length);
        // An output outside wasm memory goes through a staged copy.
        const outside = new Float32Array(ids.length * cols);
        b.embed(outside, w, ids, ids.length);
        // NaN payloads may differ between the table and the bit conversion; every other value must match exactly.
        for (const [where, out] of [["in wasm memory", got], ["outside", outside]] as const) {
          for (let i = 0; i < want.length; i++) {
            if (Number.isNaN(want[i]!)) expect(Number.isNaN(out[i]!), `${type} [${i}] NaN ${where}`).toBe(true);
            else if (!Object.is(out[i], want[i])) expect.fail(`${type} embed ${where} [${i}]: got ${out[i]}, want ${want[i]}`);
          }
        }
        expect(() => b.embed(got, w, Int32Array.from([1, rows]), 2)).toThrow(/token id 6 outside the vocabulary \[0, 6\)/);
        expect(() => b.embed(got, w, Int32Array.from([-1]), 1)).toThrow(/token id -1/);
      }
    });

    it("embed (Q4_K rows) and kvAppend", () => {
      const rows = 5, cols = 256;
      const bytes = randomWeightBytes("Q4_K", rows, cols, rand);
      const ids = Int32Array.from([4, 0, 4]);
      const want = new Float32Array(3 * cols), got = b.allocF32(3 * cols);
      ref.embed(want, ref.loadWeight("Q4_K", rows, cols, bytes), ids, 3);
      b.embed(got, b.loadWeight("Q4_K", rows, cols, bytes), ids, 3);
      expectClose(got, want, "embed");
      const kvDim = 6;
      const kv: KvBatchView = { nTokens: 2, blockSize: 2, positions: Int32Array.from([0, 1]), slots: Int32Array.from([3, 0]),
        tokenSeq: Int32Array.from([0, 0]), blockTables: Int32Array.from([1, 0]), maxBlocksPerSeq: 2 };
      const k = randomF32(2 * kvDim, rand), v = randomF32(2 * kvDim, rand);
      const kw = new Float32Array(4 * kvDim), vw = new Float32Array(4 * kvDim);
      const kg = b.allocF32(4 * kvDim), vg = b.allocF32(4 * kvDim);
      ref.kvAppend(kw, vw, k, v, kvDim, kv);
      b.kvAppend(kg, vg, inBackend(b, k), inBackend(b, v), kvDim, kv);
      expectClose(kg, kw, "kvAppend K");
      expectClose(vg, vw, "kvAppend V");
    });
  });
}
