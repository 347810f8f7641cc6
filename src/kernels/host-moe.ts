import { InputError } from "../errors.js";
import type { KernelBackend, Weight } from "./backend.js";
import { asTensor, hostF32, hostRouting } from "./host-tensor.js";
import type { ExpertRouting, Tensor } from "./tensor.js";

/**
 * Mixture-of-experts routing, expert matmuls and the weighted combine for the CPU backends (ref and wasm). Each
 * expert multiplies the rows routed to it, gathered in token order, as one m-row `backend.matmul`, and a token's
 * expert outputs are summed from 0 in ascending expert id: the arithmetic of llama.cpp's ggml_mul_mat_id path as
 * tsinfer ran it before the backend seam, so logits stay bit for bit. Scratch lives in backend memory and grows on
 * demand (never per token).
 */
export class HostMoe {
  private xRows: Float32Array = new Float32Array(0);
  private yRows: Float32Array = new Float32Array(0);
  /** The routing slot (t·k + j) of each gathered row. */
  private slotOfRow = new Int32Array(0);
  /** One token's k slots in ascending expert id. */
  private order = new Int32Array(0);

  constructor(private readonly backend: Pick<KernelBackend, "allocTensor" | "matmul">) {}

  /** Top-k per row of probs, ties to the lower expert id; weights renormalized by their float64 sum when normTopK. */
  route(routing: ExpertRouting, probs: Tensor, nTokens: number, nExperts: number, k: number, normTopK: boolean): void {
    const r = hostRouting(routing);
    checkRouting("moeRoute", r.maxTokens, r.k, nTokens, k);
    if (k > nExperts) throw new InputError(`moeRoute: k = ${k} experts per token, but only ${nExperts} experts`);
    const p = hostF32(probs), ids = r.ids, weights = r.weights;
    for (let t = 0; t < nTokens; t++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        let best = -1;
        for (let e = 0; e < nExperts; e++) {
          let taken = false;
          for (let i = 0; i < j; i++) if (ids[t * k + i] === e) taken = true;
          if (!taken && (best < 0 || p[t * nExperts + e]! > p[t * nExperts + best]!)) best = e;
        }
        ids[t * k + j] = best;
        weights[t * k + j] = p[t * nExperts + best]!;
        sum += weights[t * k + j]!;
      }
      if (normTopK) for (let j = 0; j < k; j++) weights[t * k + j] = weights[t * k + j]! / sum;
    }
  }

  /** out[t·k + j] = x[t or t·k + j] · experts[id(t, j)]ᵀ, each expert's rows in token order as one matmul. */
  matmulExperts(out: Tensor, x: Tensor, experts: readonly Weight[], routing: ExpertRouting, nTokens: number,
    xPerSlot: boolean): void {
    const r = hostRouting(routing);
    const k = r.k;
    checkRouting("matmulExperts", r.maxTokens, k, nTokens, k);
    if (experts.length === 0) throw new InputError("matmulExperts: no expert weights");
    const { rows, cols } = experts[0]!;
    this.ensure(nTokens, rows, cols);
    const o = hostF32(out), xs = hostF32(x), ids = r.ids;
    const gathered = this.xRows, results = this.yRows, slotOfRow = this.slotOfRow;
    for (let e = 0; e < experts.length; e++) {
      let m = 0;
      for (let t = 0; t < nTokens; t++) {
        for (let j = 0; j < k; j++) {
          const slot = t * k + j;
          if (ids[slot] !== e) continue;
          const from = (xPerSlot ? slot : t) * cols;
          for (let d = 0; d < cols; d++) gathered[m * cols + d] = xs[from + d]!;
          slotOfRow[m++] = slot;
        }
      }
      if (m === 0) continue;
      this.backend.matmul(asTensor(results), asTensor(gathered), experts[e]!, m); // [m, rows]
      for (let i = 0; i < m; i++) {
        const to = slotOfRow[i]! * rows;
        for (let d = 0; d < rows; d++) o[to + d] = results[i * rows + d]!;
      }
    }
  }

  /** out[t] = Σ_j weight(t, j) · y[t·k + j], from 0 in ascending expert id, rounded to float32 after each add. */
  combine(out: Tensor, y: Tensor, routing: ExpertRouting, nTokens: number, n: number): void {
    const r = hostRouting(routing);
    const k = r.k;
    checkRouting("moeCombine", r.maxTokens, k, nTokens, k);
    if (this.order.length < k) this.order = new Int32Array(k);
    const o = hostF32(out), ys = hostF32(y), ids = r.ids, weights = r.weights, order = this.order;
    o.fill(0, 0, nTokens * n);
    for (let t = 0; t < nTokens; t++) {
      // Insertion sort of the token's k slots by expert id (k is small).
      for (let j = 0; j < k; j++) {
        let i = j;
        while (i > 0 && ids[t * k + order[i - 1]!]! > ids[t * k + j]!) {
          order[i] = order[i - 1]!;
          i--;
        }
        order[i] = j;
      }
      const base = t * n;
      for (let j = 0; j < k; j++) {
        const slot = t * k + order[j]!;
        const g = weights[slot]!;
        const from = slot * n;
        for (let d = 0; d < n; d++) o[base + d] = o[base + d]! + g * ys[from + d]!;
      }
    }
  }

  private ensure(nTokens: number, rows: number, cols: number): void {
    if (this.slotOfRow.length < nTokens) this.slotOfRow = new Int32Array(nTokens);
    if (this.xRows.length < nTokens * cols) this.xRows = hostF32(this.backend.allocTensor(Math.max(nTokens * cols, 2 * this.xRows.length)));
    if (this.yRows.length < nTokens * rows) this.yRows = hostF32(this.backend.allocTensor(Math.max(nTokens * rows, 2 * this.yRows.length)));
  }
}

function checkRouting(op: string, maxTokens: number, k: number, nTokens: number, wantK: number): void {
  if (!(Number.isInteger(nTokens) && nTokens >= 0 && nTokens <= maxTokens) || k !== wantK) {
    throw new InputError(`${op}: ${nTokens} tokens of ${wantK} experts each do not fit a routing buffer of ${maxTokens} tokens × ${k}`);
  }
}
