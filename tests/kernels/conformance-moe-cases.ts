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

const f32Bytes = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

/** Small cases with values worked out by hand (in the comments next to them). */
async function handWorked(b: KernelBackend): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const probs = b.tensorFrom(Float32Array.of(0.1, 0.5, 0.2, 0.2, 0.25, 0.25, 0.25, 0.25));
  const routing = b.allocRouting(4, 2);
  // Route, then read the choice back through a weighted combine of one-hot rows y[slot] = e_slot.
  const y = b.tensorFrom(Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0))); // 4 slots × 4
  const o = b.allocTensor(8);
  b.moeRoute(routing, probs, 2, 4, 2, false);
  b.moeCombine(o, y, routing, 2, 4);
  // Token 0: experts 1 (0.5) then 2 (0.2, the tie with 3 goes to 2) in slots 0, 1; token 1: experts 0, 1, 0.25 each.
  out.push(exactResult("moeRoute top 2 of [0.1 0.5 0.2 0.2] and [0.25 ×4], read through moeCombine", await get(b, o, 8),
    Float32Array.of(0.5, 0.2, 0, 0, 0, 0, 0.25, 0.25)));
  const chosen = b.allocTensor(4);
  b.matmulExperts(chosen, b.tensorFrom(Float32Array.of(1, 1)), [0, 1, 2, 3].map((e) => b.loadWeight("F32", 1, 1, f32Bytes([e]))), routing, 2, false);
  out.push(exactResult("the same routing's expert ids through 1×1 experts [e]: 1 2 0 1", await get(b, chosen, 4), Float32Array.of(1, 2, 0, 1)));
  const idOut = b.allocTensor(2);
  b.moeRoute(routing, probs, 2, 4, 2, true);
  b.moeCombine(idOut, chosen, routing, 2, 1);
  // Renormalized: token 0 → 1·(0.5/0.7) + 2·(0.2/0.7) = 0.9/0.7; token 1 → 0·0.5 + 1·0.5.
  out.push(scaleResult("renormalized weights times those ids: 0.9/0.7 and 0.5 (1e-6)", await get(b, idOut, 2), [0.9 / 0.7, 0.5], 1e-6));
  // Experts [2 rows, 3 cols]: E0 = [[1,0,0],[0,1,0]], E1 = [[0,0,1],[1,1,1]], E2 = [[2,0,0],[0,0,2]].
  const experts = [[1, 0, 0, 0, 1, 0], [0, 0, 1, 1, 1, 1], [2, 0, 0, 0, 0, 2]].map((w) => b.loadWeight("F32", 2, 3, f32Bytes(w)));
  const r2 = b.allocRouting(2, 2);
  b.moeRoute(r2, b.tensorFrom(Float32Array.of(0.3, 0.1, 0.6, 0.1, 0.5, 0.4)), 2, 3, 2, false); // t0 → E2, E0; t1 → E1, E2
  const e = b.allocTensor(8);
  b.matmulExperts(e, b.tensorFrom(Float32Array.of(1, 2, 3, 4, 5, 6)), experts, r2, 2, false);
  // x0 = [1,2,3]: E2 → [2, 6], E0 → [1, 2]; x1 = [4,5,6]: E1 → [6, 15], E2 → [8, 12].
  out.push(exactResult("matmulExperts, the token's row: 2 6 1 2 6 15 8 12", await get(b, e, 8), Float32Array.of(2, 6, 1, 2, 6, 15, 8, 12)));
  const combined = b.allocTensor(4);
  b.moeCombine(combined, e, r2, 2, 2);
  // t0: 0.3·[1, 2] (E0) + 0.6·[2, 6] (E2); t1: 0.5·[6, 15] (E1) + 0.4·[8, 12] (E2).
  out.push(scaleResult("moeCombine of those: 1.5 4.2 6.2 12.3 (1e-6)", await get(b, combined, 4), [1.5, 4.2, 6.2, 12.3], 1e-6));
  b.matmulExperts(e, b.tensorFrom(Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1)), experts, r2, 2, true);
  // Slot rows e0, e1, e2, [1,1,1]: E2·e0 = [2, 0], E0·e1 = [0, 1], E1·e2 = [1, 1], E2·[1,1,1] = [2, 2].
  out.push(exactResult("matmulExperts, each slot's own row: 2 0 0 1 1 1 2 2", await get(b, e, 8), Float32Array.of(2, 0, 0, 1, 1, 1, 2, 2)));
  // Weights 0.25, 0.125, 0.5 for experts 0, 1, 2 (best first: 2, 0, 1). Contributions 1e8 (E0), 1 (E1), -1e8 (E2):
  // in id order (1e8 + 1 = 1e8 in float32) - 1e8 = 0; best first (-1e8 + 1e8) + 1 would give 1.
  const r3 = b.allocRouting(1, 3);
  b.moeRoute(r3, b.tensorFrom(Float32Array.of(0.25, 0.125, 0.5)), 1, 3, 3, false);
  const one = b.allocTensor(1);
  b.moeCombine(one, b.tensorFrom(Float32Array.of(-2e8, 4e8, 8)), r3, 1, 1); // slots best first: E2, E0, E1
  out.push(exactResult("moeCombine adds in ascending expert id, in float32: 1e8 + 1 - 1e8 = 0", await get(b, one, 1), Float32Array.of(0)));
  return out;
}

export async function moeCases(ctx: SuiteContext): Promise<CaseResult[]> {
  const rand = rng(2024);
  return [...(await handWorked(ctx.target.backend)), ...(await routeCases(ctx.target.backend, rand)), ...(await expertCases(ctx, rand))];
}
