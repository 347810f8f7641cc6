import { InputError } from "../../errors.js";
import type { Bind, GpuDispatcher } from "./gpu-dispatcher.js";
import { grid } from "./gpu-kv-ops.js";
import type { GpuRouting, GpuTensor, GpuWeight } from "./gpu-tensor.js";
import { MATMUL_TT, matmulWgsl, ROWS_PER_X } from "./matmul-wgsl.js";
import { MOE_MAX_K, moeCombineWgsl, moeRouteWgsl } from "./moe-wgsl.js";
import type { BufferSpec } from "./wgsl-bindings.js";

const r = (name: string, elem: BufferSpec["elem"] = "f32"): BufferSpec => ({ name, elem, write: false });
const w = (name: string, elem: BufferSpec["elem"] = "f32"): BufferSpec => ({ name, elem, write: true });
const whole = (buffer: GpuRouting["ids"]): Bind => ({ buffer, offset: 0 });

function checkRouting(what: string, routing: GpuRouting, nTokens: number): void {
  if (!(nTokens >= 0 && nTokens <= routing.maxTokens)) {
    throw new InputError(`WebGpuKernels.${what}: ${nTokens} tokens, but the routing buffer holds ${routing.maxTokens}`);
  }
}

export function recordMoeRoute(d: GpuDispatcher, routing: GpuRouting, probs: GpuTensor, nTokens: number, nExperts: number, k: number,
  normTopK: boolean): void {
  checkRouting("moeRoute", routing, nTokens);
  if (k !== routing.k || k > nExperts || k > MOE_MAX_K) {
    throw new InputError(`WebGpuKernels.moeRoute: k ${k} (routing buffer k ${routing.k}, ${nExperts} experts, at most ${MOE_MAX_K})`);
  }
  d.run("moeRoute", moeRouteWgsl, [r("probs"), w("ids", "i32"), w("weights")], [probs, whole(routing.ids), whole(routing.weights)],
    [nTokens, nExperts, k, normTopK ? 1 : 0], [Math.max(1, Math.ceil(nTokens / 64))]);
}

/**
 * mul_mat_id as one matvec dispatch per expert over all nTokens·k routing slots; a workgroup multiplies only the
 * slots routed to its expert (the routing stays on the GPU, so the host cannot group the rows).
 */
export function recordMatmulExperts(d: GpuDispatcher, subgroups: boolean, out: GpuTensor, x: GpuTensor, experts: readonly GpuWeight[],
  routing: GpuRouting, nTokens: number, xPerSlot: boolean): void {
  checkRouting("matmulExperts", routing, nTokens);
  const nSlots = nTokens * routing.k;
  if (nSlots === 0) return;
  experts.forEach((wt, e) => {
    if (wt.rows !== experts[0]!.rows || wt.cols !== experts[0]!.cols) {
      throw new InputError(`WebGpuKernels.matmulExperts: expert ${e} is [${wt.rows}, ${wt.cols}], expert 0 [${experts[0]!.rows}, ${experts[0]!.cols}]`);
    }
    const blocks = wt.rows;
    d.run(`matmulExperts.${wt.type}.${subgroups}`, (b) => matmulWgsl(wt.type, b, subgroups, 1, true),
      [r("w", "u32"), r("x"), w("out"), r("ids", "i32")], [whole(wt.buffer), x, out, whole(routing.ids)],
      [wt.rows, wt.cols, nSlots, wt.rowBytes, Math.ceil(wt.cols / 32), routing.k, e, xPerSlot ? 1 : 0],
      [Math.min(blocks, ROWS_PER_X), Math.ceil(nSlots / MATMUL_TT), Math.ceil(blocks / ROWS_PER_X)]);
  });
}

export function recordMoeCombine(d: GpuDispatcher, out: GpuTensor, y: GpuTensor, routing: GpuRouting, nTokens: number, n: number): void {
  checkRouting("moeCombine", routing, nTokens);
  d.run("moeCombine", moeCombineWgsl, [r("ids", "i32"), r("weights"), r("y"), w("out")], [whole(routing.ids), whole(routing.weights), y, out],
    [nTokens, n, routing.k], grid(nTokens * n, 256));
}
