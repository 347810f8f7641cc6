import type { Activation, KernelBackend, RopeLayout } from "../../src/kernels/backend.js";
import { erf } from "../../src/kernels/ref/index.js";
import type { SuiteContext } from "./conformance-suite.js";
import { decodeRows, exactResult, get, put, randomF32, rng, scaleResult, thrown, type CaseResult } from "./conformance-util.js";

// Row-wise and elementwise kernels against float64 oracles: odd row lengths, several rows, outputs aliasing inputs,
// a fused gate-up read through a view. Tolerance 1e-5 of the largest output magnitude (float32 against float64),
// rope 1e-5 for backends that promise the ref's float64 angles (ropeBits) and 1e-4 for float32 angles (WGSL: about
// pos · 2^-24 rad), and exact embeddings.
const TOL = 1e-5;

function act64(v: number, a: Activation): number {
  switch (a) {
    case "silu": return v / (1 + Math.exp(-v));
    case "gelu": return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
    case "geluErf": return 0.5 * v * (1 + erf(v / Math.SQRT2));
  }
}

function rope64(x: Float32Array, nTokens: number, nHeads: number, headDim: number, nRot: number, pos: Int32Array, inv: Float32Array,
  layout: RopeLayout, attnFactor: number): Float64Array {
  const y = Float64Array.from(x), half = nRot / 2;
  for (let t = 0; t < nTokens; t++) {
    for (let i = 0; i < half; i++) {
      const ang = pos[t]! * inv[i]!, c = Math.cos(ang) * attnFactor, s = Math.sin(ang) * attnFactor;
      const ia = layout === "normal" ? 2 * i : i, ib = layout === "normal" ? 2 * i + 1 : i + half;
      for (let h = 0; h < nHeads; h++) {
        const base = (t * nHeads + h) * headDim;
        y[base + ia] = x[base + ia]! * c - x[base + ib]! * s;
        y[base + ib] = x[base + ia]! * s + x[base + ib]! * c;
      }
    }
  }
  return y;
}

async function normCases(b: KernelBackend, rand: () => number): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const [nRows, n] of [[3, 37], [1, 64], [5, 1000], [3, 4096]] as const) {
    const x = randomF32(nRows * n, rand, 3), wv = randomF32(n, rand), bv = randomF32(n, rand);
    const xt = put(b, x), wt = put(b, wv), bt = put(b, bv);
    for (const mode of ["w", "none", "addOne"] as const) {
      const want = new Float64Array(nRows * n);
      for (let r = 0; r < nRows; r++) {
        let ss = 0;
        for (let i = 0; i < n; i++) ss += x[r * n + i]! ** 2;
        const inv = 1 / Math.sqrt(ss / n + 1e-5);
        for (let i = 0; i < n; i++) want[r * n + i] = x[r * n + i]! * inv * (mode === "none" ? 1 : mode === "addOne" ? 1 + wv[i]! : wv[i]!);
      }
      const o = b.allocTensor(nRows * n);
      b.rmsNorm(o, xt, mode === "none" ? null : wt, nRows, n, 1e-5, mode === "addOne");
      out.push(scaleResult(`rmsNorm ${mode} [${nRows}x${n}]`, await get(b, o, nRows * n), want, TOL));
    }
    for (const bias of [true, false]) {
      const want = new Float64Array(nRows * n);
      for (let r = 0; r < nRows; r++) {
        let m = 0, v = 0;
        for (let i = 0; i < n; i++) m += x[r * n + i]!;
        m /= n;
        for (let i = 0; i < n; i++) v += (x[r * n + i]! - m) ** 2;
        const inv = 1 / Math.sqrt(v / n + 1e-5);
        for (let i = 0; i < n; i++) want[r * n + i] = (x[r * n + i]! - m) * inv * wv[i]! + (bias ? bv[i]! : 0);
      }
      const io = put(b, x);
      b.layerNorm(io, io, wt, bias ? bt : null, nRows, n, 1e-5);
      out.push(scaleResult(`layerNorm ${bias ? "bias" : "no bias"} in place [${nRows}x${n}]`, await get(b, io, nRows * n), want, TOL));
    }
    const xs = x.map((v) => v * 4);
    const want = new Float64Array(nRows * n);
    for (let r = 0; r < nRows; r++) {
      let mx = -Infinity, sum = 0;
      for (let i = 0; i < n; i++) mx = Math.max(mx, xs[r * n + i]!);
      for (let i = 0; i < n; i++) sum += Math.exp(xs[r * n + i]! - mx);
      for (let i = 0; i < n; i++) want[r * n + i] = Math.exp(xs[r * n + i]! - mx) / sum;
    }
    const st = put(b, xs);
    b.softmax(st, nRows, n);
    out.push(scaleResult(`softmax [${nRows}x${n}]`, await get(b, st, nRows * n), want, TOL));
  }
  return out;
}

async function elementwiseCases(b: KernelBackend, rand: () => number): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const nRows = 3, n = 333;
  const x = randomF32(nRows * n, rand, 6);
  for (const a of ["silu", "gelu", "geluErf"] as Activation[]) {
    const t = put(b, x);
    b.activate(t, x.length, a);
    out.push(scaleResult(`activate ${a}`, await get(b, t, x.length), Float64Array.from(x, (v) => act64(v, a)), TOL));
    for (const [stride, upAt] of [[2 * n, n], [2 * n + 5, n + 3]] as const) {
      // A fused gate-up projection [nRows, stride]: gate at column 0, up at column upAt, read through a view.
      const fused = randomF32(nRows * stride, rand, 3);
      const want = new Float64Array(nRows * n);
      for (let r = 0; r < nRows; r++) for (let i = 0; i < n; i++) want[r * n + i] = act64(fused[r * stride + i]!, a) * fused[r * stride + upAt + i]!;
      const ft = put(b, fused), o = b.allocTensor(nRows * n);
      b.glu(o, ft, b.view(ft, upAt, fused.length - upAt), nRows, n, stride, a);
      out.push(scaleResult(`glu ${a}, fused gate-up (stride ${stride}, up at ${upAt})`, await get(b, o, nRows * n), want, TOL));
    }
  }
  const y = randomF32(x.length, rand), v = randomF32(n, rand);
  const at = put(b, x);
  b.add(at, at, put(b, y), x.length);
  out.push(scaleResult("add (out aliases a)", await get(b, at, x.length), Float64Array.from(x, (xi, i) => xi + y[i]!), TOL));
  for (const op of ["addRows", "mulRows"] as const) {
    const t = put(b, x);
    b[op](t, put(b, v), nRows, n);
    const want = Float64Array.from(x, (xi, i) => (op === "addRows" ? xi + v[i % n]! : xi * v[i % n]!));
    out.push(scaleResult(op, await get(b, t, x.length), want, TOL));
  }
  const sc = put(b, x);
  b.scale(sc, x.length, -0.37);
  out.push(scaleResult("scale -0.37", await get(b, sc, x.length), Float64Array.from(x, (xi) => xi * -0.37), TOL));
  for (const cap of [30, 1.5]) {
    const xc = x.map((xi) => xi * 10), t = put(b, xc);
    b.softcap(t, x.length, cap);
    out.push(scaleResult(`softcap ${cap}`, await get(b, t, x.length), Float64Array.from(xc, (xi) => cap * Math.tanh(xi / cap)), TOL));
  }
  return out;
}

/**
 * silu and gelu over [−100, 100] element by element (a polynomial exponential in the CPU kernels), against the
 * float64 value rounded to float32 (what the ref backend stores): float32 rounding of the exponential, the division
 * and the products (a few ulp), plus the absolute error of 1 − 1/(1 + e^2y) where GELU's tail is far below float32's
 * resolution.
 */
async function activationSweep(b: KernelBackend, rand: () => number): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const m = 4003;
  const xs = Float32Array.from({ length: m }, (_, i) => (i < 2000 ? (i - 1000) / 10 : (rand() * 2 - 1) * (i % 3 === 0 ? 1 : 30)));
  const gateUp = new Float32Array(2 * m);
  gateUp.set(xs);
  gateUp.fill(1.5, m);
  for (const a of ["silu", "gelu"] as Activation[]) {
    const gu = put(b, gateUp), g = b.allocTensor(m), t = put(b, xs);
    b.glu(g, gu, b.view(gu, m, m), 1, m, 2 * m, a);
    b.activate(t, m, a);
    const wantG = Float32Array.from(xs, (x) => act64(x, a) * 1.5), wantA = Float32Array.from(xs, (x) => act64(x, a));
    const tol = (w: number, x: number): number => 4e-7 * Math.abs(w) + (a === "gelu" ? 1e-7 * Math.abs(x) : 0) + 1e-30;
    for (const [what, got, want, k] of [["glu", await get(b, g, m), wantG, 1.5], ["activate", await get(b, t, m), wantA, 1]] as const) {
      let worst = 0, at = 0;
      for (let i = 0; i < m; i++) {
        const q = Math.abs(got[i]! - want[i]!) / (k * tol(want[i]! / k, xs[i]!));
        if (!(q <= worst)) { worst = Number.isNaN(q) ? Infinity : q; at = i; }
      }
      out.push({ name: `${what} ${a} over [-100, 100] element by element (|err| ≤ 4e-7·|want|${a === "gelu" ? " + 1e-7·|x|" : ""})`, err: worst, tol: 1,
        detail: `x = ${xs[at]}: got ${got[at]}, want ${want[at]}` });
    }
  }
  return out;
}

async function ropeCases(ctx: SuiteContext, rand: () => number): Promise<CaseResult[]> {
  const b = ctx.target.backend, out: CaseResult[] = [];
  const tol = ctx.target.ropeBits ? 1e-5 : 1e-4;
  for (const layout of ["normal", "neox"] as const) {
    for (const [nTok, nHeads, headDim, nRot, pos] of [[5, 3, 64, 64, [0, 1, 7, 100, 37]], [5, 3, 80, 32, [0, 1, 7, 100, 37]], [3, 2, 8, 6, [0, 5, 17]]] as const) {
      const q = randomF32(nTok * nHeads * headDim, rand);
      const positions = Int32Array.from(pos);
      const inv = Float32Array.from({ length: nRot / 2 }, (_, i) => 10000 ** (-(2 * i) / nRot));
      const t = put(b, q);
      b.rope(t, nTok, nHeads, headDim, nRot, positions, put(b, inv), layout, 1.1);
      out.push(scaleResult(`rope ${layout} headDim ${headDim} nRot ${nRot} attnFactor 1.1`, await get(b, t, q.length),
        rope64(q, nTok, nHeads, headDim, nRot, positions, inv, layout, 1.1), tol));
    }
  }
  // Call after call: q then k at the same positions, the positions array changed in place, another frequency table.
  const headDim = 12, nRot = 10, nTokens = 3;
  const positions = Int32Array.from([0, 7, 300]);
  const inv1 = Float32Array.from({ length: nRot / 2 }, (_, i) => 10000 ** (-2 * i / nRot));
  const inv2 = Float32Array.from({ length: nRot / 2 }, (_, i) => 500000 ** (-2 * i / nRot));
  const calls: [number, Float32Array, RopeLayout, number][] = [[4, inv1, "normal", 1], [2, inv1, "normal", 1], [2, inv1, "neox", 1.25],
    [4, inv2, "neox", 1.25], [3, inv1, "normal", 1]];
  const f1 = put(b, inv1), f2 = put(b, inv2);
  for (const step of [0, 1]) {
    if (step === 1) positions.set([5, 6, 1000]);
    for (const [nHeads, freq, layout, attnFactor] of calls) {
      const v = randomF32(nTokens * nHeads * headDim, rand, 2);
      const t = put(b, v);
      b.rope(t, nTokens, nHeads, headDim, nRot, positions, freq === inv1 ? f1 : f2, layout, attnFactor);
      const got = await get(b, t, v.length);
      const name = `rope ${layout} ×${attnFactor}, step ${step}, ${nHeads} heads`;
      if (ctx.target.ropeBits) {
        const rt = put(ctx.ref, v);
        ctx.ref.rope(rt, nTokens, nHeads, headDim, nRot, positions, put(ctx.ref, freq), layout, attnFactor);
        out.push(exactResult(`${name}: the ref backend's bits`, got, await get(ctx.ref, rt, v.length)));
      } else {
        out.push(scaleResult(name, got, rope64(v, nTokens, nHeads, headDim, nRot, positions, freq, layout, attnFactor), tol));
      }
    }
  }
  return out;
}

/** embed of F32, F16 and BF16 rows (odd width; f16 subnormals, infinities, NaN), bit for bit; bad ids throw. */
async function embedCases(ctx: SuiteContext, rand: () => number): Promise<CaseResult[]> {
  const b = ctx.target.backend, out: CaseResult[] = [];
  const rows = 6, cols = 19;
  const halves = new Uint16Array(rows * cols);
  for (let i = 0; i < halves.length; i++) {
    const h = Math.floor(rand() * 65536);
    halves[i] = (h & 0x7c00) === 0 ? h | 0x0400 : h;
  }
  halves.set([0x0000, 0x8000, 0x0001, 0x83ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0xfc01, 0x3c00], 2 * cols);
  const f32 = new Float32Array(rows * cols);
  for (let i = 0; i < f32.length; i++) f32[i] = (rand() - 0.5) * 1e3;
  const ids = Int32Array.from([2, 0, 5, 2, 3]);
  const cases = [["F32", new Uint8Array(f32.buffer)], ["F16", new Uint8Array(halves.buffer)], ["BF16", new Uint8Array(halves.buffer)]] as const;
  for (const [type, bytes] of cases) {
    if (!ctx.weightTypes.includes(type)) continue;
    const all = decodeRows(type, bytes, rows, cols), want = new Float32Array(ids.length * cols);
    ids.forEach((id, t) => want.set(all.subarray(id * cols, (id + 1) * cols), t * cols));
    const w = b.loadWeight(type, rows, cols, bytes), o = b.allocTensor(ids.length * cols);
    b.embed(o, w, ids, ids.length);
    out.push(exactResult(`embed ${type} with every special value class`, await get(b, o, want.length), want));
    for (const bad of [[1, rows], [-1]]) {
      const msg = thrown(() => b.embed(o, w, Int32Array.from(bad), bad.length));
      const ok = msg !== null && msg.includes(`token id ${bad.at(-1)} outside the vocabulary [0, ${rows})`);
      out.push({ name: `embed ${type} ids [${bad.join(", ")}] throws: ${msg ?? "did not throw"}`, err: ok ? 0 : 1, tol: 0 });
    }
  }
  return out;
}

export async function opsCases(ctx: SuiteContext): Promise<CaseResult[]> {
  const rand = rng(99);
  return [
    ...(await normCases(ctx.target.backend, rand)),
    ...(await elementwiseCases(ctx.target.backend, rand)),
    ...(await activationSweep(ctx.target.backend, rand)),
    ...(await ropeCases(ctx, rand)),
    ...(await embedCases(ctx, rand)),
  ];
}
