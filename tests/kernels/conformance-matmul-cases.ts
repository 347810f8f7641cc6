import type { KernelBackend } from "../../src/kernels/backend.js";
import { refQuantizeActivations } from "../../src/kernels/ref/activation-quant.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { f32ToF16 } from "../../src/quant/half.js";
import { quantTraits } from "../../src/quant/registry.js";
import type { SuiteContext } from "./conformance-suite.js";
import {
  boundResult, decodeRows, exactResult, get, put, randomF32, randomWeightBytes, rng, scaleResult, thrown, type CaseResult,
} from "./conformance-util.js";

// matmul and embed of every weight type the backend claims against the float64 oracle (quant/'s reference
// dequantize, float64 dot) on the activations the backend's product sees. Tolerance: |err| ≤ 1e-5 · Σ|w·x| per
// output (float32 accumulation in any order). Shapes: odd row counts, column counts that are not a multiple of the
// SIMD width (float types) or hold odd numbers of blocks, token counts around the CPU 4-token tile and the GPU
// 8-token matvec / tiled split.
const FLOAT = ["F32", "F16", "BF16"];
const BOUND = "|err| ≤ 1e-5·Σ|w·x|";

function colsFor(type: GgmlTypeName, quick: boolean): number[] {
  const cols = FLOAT.includes(type) ? [1, 7, 33, 70, 100] : quantTraits(type).blockSize === 32 ? [32, 96, 160] : [256, 512, 768];
  return quick ? cols.slice(-1) : cols;
}
const SHAPES: readonly (readonly [number, number])[] = [[1, 1], [7, 3], [33, 5], [13, 9], [64, 4], [33, 8], [257, 17], [7, 1]];
const QUICK_SHAPES: readonly (readonly [number, number])[] = [[7, 1], [33, 8], [33, 17]];

/** Product of `bytes` [rows, cols] of `type` with x [nTokens, cols] on b (x as given; b quantizes it if it does). */
async function product(b: KernelBackend, type: GgmlTypeName, rows: number, cols: number, bytes: Uint8Array, x: Float32Array, nTokens: number): Promise<Float32Array> {
  const out = b.allocTensor(nTokens * rows);
  b.matmul(out, put(b, x), b.loadWeight(type, rows, cols, bytes), nTokens);
  return get(b, out, nTokens * rows);
}

/** The float64 oracle and its bound on the activations xq the backend's product sees. */
function oracle(type: GgmlTypeName, bytes: Uint8Array, rows: number, cols: number, xq: Float32Array, nTokens: number): [Float64Array, Float64Array] {
  const w = decodeRows(type, bytes, rows, cols);
  const want = new Float64Array(nTokens * rows), bound = new Float64Array(nTokens * rows);
  for (let t = 0; t < nTokens; t++) {
    for (let r = 0; r < rows; r++) {
      let s = 0, f = 0;
      for (let c = 0; c < cols; c++) {
        const p = w[r * cols + c]! * xq[t * cols + c]!;
        s += p;
        f += Math.abs(p);
      }
      want[t * rows + r] = s;
      bound[t * rows + r] = 1e-5 * f + 1e-30;
    }
  }
  return [want, bound];
}

async function conforms(ctx: SuiteContext, type: GgmlTypeName, rows: number, cols: number, nTokens: number, rand: () => number,
  bytes = randomWeightBytes(type, rows, cols, rand), x = randomF32(nTokens * cols, rand), what = ""): Promise<CaseResult> {
  const quant = ctx.target.activationQuant?.(type) ?? null;
  const xq = quant ? refQuantizeActivations(quant, x, nTokens, cols) : x;
  const got = await product(ctx.target.backend, type, rows, cols, bytes, x, nTokens);
  const [want, bound] = oracle(type, bytes, rows, cols, xq, nTokens);
  return boundResult(`matmul ${type} [${rows}x${cols}] nTokens ${nTokens}${what} (${BOUND})`, got, want, bound);
}

export async function matmulCases(ctx: SuiteContext): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const b = ctx.target.backend, quick = ctx.target.quick ?? false;
  for (const type of ctx.weightTypes) {
    const rand = rng(type.length * 7919 + 17);
    for (const cols of colsFor(type, quick)) {
      for (const [rows, nTokens] of quick ? QUICK_SHAPES : SHAPES) out.push(await conforms(ctx, type, rows, cols, nTokens, rand));
    }
    if (quick) continue;
    // embed: row ids[t] dequantized; exact for float types, 1e-6 of the row scale for blocks (room for a fused d·q − m).
    const rows = 33, cols = colsFor(type, false).at(-1)!;
    const bytes = randomWeightBytes(type, rows, cols, rand);
    const ids = Int32Array.from([0, 32, 5, 17, 5]);
    const got = b.allocTensor(ids.length * cols);
    const wt = b.loadWeight(type, rows, cols, bytes);
    b.embed(got, wt, ids, ids.length);
    const all = decodeRows(type, bytes, rows, cols);
    const want = new Float32Array(ids.length * cols);
    ids.forEach((id, t) => want.set(all.subarray(id * cols, (id + 1) * cols), t * cols));
    const name = `embed ${type} [${rows}x${cols}]`;
    out.push(FLOAT.includes(type) ? exactResult(name, await get(b, got, want.length), want) : scaleResult(name, await get(b, got, want.length), want, 1e-6));
  }
  if (!quick) out.push(...(await floatCases(ctx)));
  for (const type of ctx.skippedTypes) out.push(refusedTypeCase(b, type));
  return out;
}

/** The float-weight cases: tile edges, F16 subnormals, and exact half → float conversion. */
async function floatCases(ctx: SuiteContext): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const b = ctx.target.backend;
  const has = (t: GgmlTypeName): boolean => ctx.weightTypes.includes(t);
  // Partial token groups, odd rows and columns, chunk edges (wasm matmul-float.ts tiles: 2 rows × 4 tokens).
  const rand = rng(4099);
  for (const type of FLOAT.filter((t) => has(t as GgmlTypeName)) as GgmlTypeName[]) {
    for (const [rows, cols, nTokens] of [[35, 100, 6], [18, 37, 7], [5, 2050, 8], [40, 256, 13], [3, 4, 4], [66, 9, 10]] as const) {
      out.push(await conforms(ctx, type, rows, cols, nTokens, rand, undefined, undefined, " tile edges"));
    }
  }
  if (has("F16")) {
    // About 1 % subnormal halves (and a whole row of them at 64 rows), as a wasm backend splits them out at load.
    const r2 = rng(6007);
    for (const [rows, cols, nTokens] of [[35, 100, 1], [35, 100, 3], [18, 37, 5], [5, 2050, 8], [40, 256, 13], [66, 9, 10], [64, 256, 4]] as const) {
      const bytes = randomWeightBytes("F16", rows, cols, r2);
      const halves = new Uint16Array(bytes.buffer);
      for (let i = 0; i < halves.length; i++) if (r2() < 0.01) halves[i] = (1 + Math.floor(r2() * 0x3ff)) | (r2() < 0.5 ? 0x8000 : 0);
      if (rows >= 64) for (let c = 0; c < cols; c++) halves[3 * cols + c] = 0x0001 + c % 0x3ff;
      out.push(await conforms(ctx, "F16", rows, cols, nTokens, r2, bytes, undefined, " with subnormal weights"));
    }
    out.push(...(await batchIndependence(ctx)));
    // Every subnormal half (both signs) among normal ones, 1/64 of the values: with x one-hot the product is the value.
    const sub: number[] = [];
    for (let m = 1; m < 0x400; m++) sub.push(m, m | 0x8000);
    const cols = 4, rows = 64 * Math.ceil(sub.length / 4);
    const halves = new Uint16Array(rows * cols);
    const r3 = rng(77);
    for (let i = 0; i < halves.length; i++) halves[i] = f32ToF16(r3() * 2 - 1);
    sub.forEach((h, i) => { halves[i * 64 + (i % 4)] = h; });
    out.push(...(await identityProducts(b, "F16", halves, rows, cols, [1, 4, 9], "every subnormal half among normal ones")));
  }
  for (const type of (["F16", "BF16"] as const).filter(has)) {
    // Every finite bit pattern (F16: subnormals 3.2 % of them), one-hot x: each product must be the value exactly.
    const expBits = type === "F16" ? 0x7c00 : 0x7f80;
    const halves: number[] = [];
    for (let h = 0; h < 0x10000; h++) if ((h & expBits) !== expBits) halves.push(h);
    while (halves.length % 4 !== 0) halves.push(0);
    out.push(...(await identityProducts(b, type, Uint16Array.from(halves), halves.length / 4, 4, [4, 1], "every finite bit pattern")));
  }
  if (has("IQ4_XS")) {
    // Codes at the table's −127 times activations at −128 (Q8_K maps a block's largest magnitude to −128): four such
    // products in a 16-bit lane reach 65024, past i16 (a kernel must widen before summing two groups).
    const rows = 5, cols = 512, nTokens = 5;
    const bytes = new Uint8Array(rows * (cols / 256) * 136);
    for (let i = 0; i < bytes.length; i += 136) bytes[i + 1] = 0x3c; // d = 1, scales 0 → −32, codes 0 → −127
    out.push(await conforms(ctx, "IQ4_XS", rows, cols, nTokens, rand, bytes, new Float32Array(nTokens * cols).fill(1), " at the extremes of codes and activations"));
  }
  return out;
}

/** With x one-hot (token t picks column t mod cols) out[t][r] must equal w[r][t mod cols] exactly. */
async function identityProducts(b: KernelBackend, type: "F16" | "BF16", halves: Uint16Array, rows: number, cols: number,
  tokenCounts: number[], what: string): Promise<CaseResult[]> {
  const bytes = new Uint8Array(halves.buffer, halves.byteOffset, halves.byteLength);
  const w = b.loadWeight(type, rows, cols, bytes);
  const values = decodeRows(type, bytes, rows, cols);
  const out: CaseResult[] = [];
  for (const nTokens of tokenCounts) {
    const x = new Float32Array(nTokens * cols);
    for (let t = 0; t < nTokens; t++) x[t * cols + (t % cols)] = 1;
    const o = b.allocTensor(nTokens * rows);
    b.matmul(o, put(b, x), w, nTokens);
    const got = await get(b, o, nTokens * rows);
    const want = new Float32Array(nTokens * rows);
    for (let t = 0; t < nTokens; t++) for (let r = 0; r < rows; r++) want[t * rows + r] = values[r * cols + (t % cols)]!;
    // A sum of products starting from +0 gives +0 for a −0 weight: zeros compare by value, as everywhere in inference.
    out.push(exactResult(`matmul ${type} ${what}, x one-hot, nTokens ${nTokens}`, got, want, false));
  }
  return out;
}

/**
 * A token's product does not depend on the batch it is in (up to 5 tokens): one to three tokens, activations from
 * 1e-30 to past 2^15 (the wasm F16 prescaled path's limit), against the same token as the fifth of five.
 */
async function batchIndependence(ctx: SuiteContext): Promise<CaseResult[]> {
  const b = ctx.target.backend;
  const rand = rng(8111);
  const rows = 37, cols = 203;
  const bytes = randomWeightBytes("F16", rows, cols, rand);
  const halves = new Uint16Array(bytes.buffer);
  for (let i = 0; i < halves.length; i += 97) halves[i] = 1 + (i % 0x3ff);
  const w = b.loadWeight("F16", rows, cols, bytes);
  const out: CaseResult[] = [];
  for (const big of [1, 30000, 40000, 1e6]) {
    for (const nTokens of [1, 2, 3]) {
      const x = randomF32(nTokens * cols, rand);
      for (let i = 0; i < x.length; i += 7) x[i] = x[i]! * 1e-30;
      x[cols - 1] = big;
      const o = b.allocTensor(nTokens * rows);
      b.matmul(o, put(b, x), w, nTokens);
      const got = await get(b, o, nTokens * rows);
      const want = new Float32Array(nTokens * rows);
      for (let t = 0; t < nTokens; t++) {
        const x5 = new Float32Array(5 * cols);
        for (let k = 0; k < 5; k++) x5.set(x.subarray(t * cols, (t + 1) * cols), k * cols);
        const o5 = b.allocTensor(5 * rows);
        b.matmul(o5, put(b, x5), w, 5);
        want.set((await get(b, o5, 5 * rows)).subarray(4 * rows), t * rows);
      }
      out.push(exactResult(`matmul F16 x up to ${big}: ${nTokens} token(s) equal the fifth of five`, got, want));
      out.push(await conforms(ctx, "F16", rows, cols, nTokens, rand, bytes, x, ` x up to ${big}`));
    }
  }
  return out;
}

/** loadWeight of a type the backend does not claim must throw a typed error naming the type. */
function refusedTypeCase(b: KernelBackend, type: GgmlTypeName): CaseResult {
  const bs = quantTraits(type).blockSize, bpb = quantTraits(type).bytesPerBlock;
  const msg = thrown(() => b.loadWeight(type, 2, bs, new Uint8Array(2 * bpb)));
  const ok = msg !== null && msg.startsWith("UnsupportedWeightTypeError") && msg.includes(type);
  return { name: `loadWeight ${type} (not claimed) throws UnsupportedWeightTypeError naming it: ${msg ?? "did not throw"}`, err: ok ? 0 : 1, tol: 0 };
}
