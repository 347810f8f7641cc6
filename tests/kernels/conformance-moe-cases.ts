import type { ExpertRouting, KernelBackend, Weight } from "../../src/kernels/backend.js";
import { refQuantizeActivations } from "../../src/kernels/ref/activation-quant.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import type { SuiteContext } from "./conformance-suite.js";
import {
  boundResult, decodeRows, exactResult, get, put, randomF32, randomWeightBytes, rng, scaleResult, type CaseResult,
} from "./conformance-util.js";

// Mixture-of-experts ops against float64 oracles. The routing stays in backend memory, so moeRoute is observed
// through the other two ops: experts whose product is their id + 1 reveal the ids (exact), and a one-hot y in
// moeCombine reveals the weights (1e-6 of the largest). matmulExperts: the matmul bound (1e-5·Σ|w·x|) per output on
// the activations the backend's product sees; moeCombine: 1e-6 of the largest output (k float32 terms).

/** Top k of each row (value descending, ties to the lower id) and the weights, renormalized in float64 when norm. */
function route64(probs: Float32Array, nTokens: number, nExperts: number, k: number, norm: boolean): [Int32Array, Float64Array] {
  const ids = new Int32Array(nTokens * k), w = new Float64Array(nTokens * k);
  for (let t = 0; t < nTokens; t++) {
    const order = Array.from({ length: nExperts }, (_, e) => e).sort((a, b) => probs[t * nExperts + b]! - probs[t * nExperts + a]! || a - b);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += probs[t * nExperts + order[j]!]!;
    for (let j = 0; j < k; j++) {
      ids[t * k + j] = order[j]!;
      w[t * k + j] = probs[t * nExperts + order[j]!]! / (norm ? sum : 1);
    }
  }
  return [ids, w];
}

/** Probabilities with ties: row t repeats some values so the lower id must win. */
function tiedProbs(nTokens: number, nExperts: number, rand: () => number): Float32Array {
  const p = randomF32(nTokens * nExperts, rand).map((v) => Math.abs(v));
  for (let t = 0; t < nTokens; t++) {
    const a = Math.floor(rand() * nExperts), b = (a + 1 + Math.floor(rand() * (nExperts - 1))) % nExperts;
    const hi = Math.max(...p.subarray(t * nExperts, (t + 1) * nExperts));
    p[t * nExperts + a] = hi;
    p[t * nExperts + b] = t % 2 === 0 ? hi : p[t * nExperts + b]!;
  }
  return p;
}

/** Reads the routing back through the ops: ids from experts whose product is id + 1, weights from a one-hot y. */
async function observe(b: KernelBackend, routing: ExpertRouting, nTokens: number, nExperts: number, k: number): Promise<[Float32Array, Float32Array]> {
  const cols = 32;
  const experts: Weight[] = [];
  for (let e = 0; e < nExperts; e++) {
    const rowVals = new Float32Array(cols).fill((e + 1) / 32);
    experts.push(b.loadWeight("F32", 1, cols, new Uint8Array(rowVals.buffer)));
  }
  const idOut = b.allocTensor(nTokens * k);
  b.matmulExperts(idOut, put(b, new Float32Array(nTokens * cols).fill(1)), experts, routing, nTokens, false);
  const y = new Float32Array(nTokens * k * k);
  for (let s = 0; s < nTokens * k; s++) y[s * k + (s % k)] = 1;
  const wOut = b.allocTensor(nTokens * k);
  b.moeCombine(wOut, put(b, y), routing, nTokens, k);
  const ids = (await get(b, idOut, nTokens * k)).map((v) => v - 1);
  return [ids, await get(b, wOut, nTokens * k)];
}

async function routeCases(b: KernelBackend, rand: () => number): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const [nTokens, nExperts, k, norm] of [[7, 8, 2, true], [5, 6, 3, false], [9, 60, 4, true], [3, 4, 4, true]] as const) {
    const probs = tiedProbs(nTokens, nExperts, rand);
    const routing = b.allocRouting(nTokens + 2, k);
    b.moeRoute(routing, put(b, probs), nTokens, nExperts, k, norm);
    const [ids, weights] = await observe(b, routing, nTokens, nExperts, k);
    const [wantIds, wantW] = route64(probs, nTokens, nExperts, k, norm);
    const what = `moeRoute ${nTokens} tokens, top ${k} of ${nExperts}${norm ? ", renormalized" : ""}`;
    out.push(exactResult(`${what}: expert ids (ties to the lower id)`, ids, Float32Array.from(wantIds)));
    out.push(scaleResult(`${what}: weights (1e-6)`, weights, wantW, 1e-6));
  }
  return out;
}

async function expertCases(ctx: SuiteContext, rand: () => number): Promise<CaseResult[]> {
  const b = ctx.target.backend, out: CaseResult[] = [];
  const nTokens = 5, nExperts = 4, k = 2;
  const probs = tiedProbs(nTokens, nExperts, rand);
  const routing = b.allocRouting(nTokens, k);
  b.moeRoute(routing, put(b, probs), nTokens, nExperts, k, true);
  const [ids, wts] = route64(probs, nTokens, nExperts, k, true);
  const types = (["F32", "Q8_0", "Q4_K"] as GgmlTypeName[]).filter((t) => ctx.weightTypes.includes(t));
  for (const type of types) {
    const rows = 9, cols = type === "Q4_K" ? 256 : 64;
    const bytes = Array.from({ length: nExperts }, () => randomWeightBytes(type, rows, cols, rand));
    const experts = bytes.map((x) => b.loadWeight(type, rows, cols, x));
    const decoded = bytes.map((x) => decodeRows(type, x, rows, cols));
    for (const xPerSlot of [false, true]) {
      const nX = xPerSlot ? nTokens * k : nTokens;
      const x = randomF32(nX * cols, rand);
      const quant = ctx.target.activationQuant?.(type) ?? null;
      const xq = quant ? refQuantizeActivations(quant, x, nX, cols) : x;
      const o = b.allocTensor(nTokens * k * rows);
      b.matmulExperts(o, put(b, x), experts, routing, nTokens, xPerSlot);
      const want = new Float64Array(nTokens * k * rows), bound = new Float64Array(want.length);
      for (let s = 0; s < nTokens * k; s++) {
        const w = decoded[ids[s]!]!, xr = xPerSlot ? s : Math.floor(s / k);
        for (let r = 0; r < rows; r++) {
          let acc = 0, mag = 0;
          for (let c = 0; c < cols; c++) { const p = w[r * cols + c]! * xq[xr * cols + c]!; acc += p; mag += Math.abs(p); }
          want[s * rows + r] = acc;
          bound[s * rows + r] = 1e-5 * mag + 1e-30;
        }
      }
      out.push(boundResult(`matmulExperts ${type} [${rows}x${cols}] × ${nExperts} experts, ${nTokens} tokens top ${k}, xPerSlot ${xPerSlot} (|err| ≤ 1e-5·Σ|w·x|)`,
        await get(b, o, want.length), want, bound));
    }
  }
  const n = 45;
  const y = randomF32(nTokens * k * n, rand);
  const o = b.allocTensor(nTokens * n);
  b.moeCombine(o, put(b, y), routing, nTokens, n);
  const want = new Float64Array(nTokens * n);
  for (let t = 0; t < nTokens; t++) for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) want[t * n + i] = want[t * n + i]! + wts[t * k + j]! * y[(t * k + j) * n + i]!;
  out.push(scaleResult(`moeCombine ${nTokens} tokens × ${k} experts, rows of ${n} (1e-6)`, await get(b, o, want.length), want, 1e-6));
  return out;
}

export async function moeCases(ctx: SuiteContext): Promise<CaseResult[]> {
  const rand = rng(2024);
  return [...(await routeCases(ctx.target.backend, rand)), ...(await expertCases(ctx, rand))];
}
