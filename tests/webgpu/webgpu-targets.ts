import { WebGpuKernels } from "../../src/kernels/webgpu/index.js";
import type { ConformanceTarget } from "../kernels/conformance-suite.js";

/**
 * The WebGPU backend under the conformance suite: the default kernels on every group, then each other kernel choice
 * on the groups it changes (matmul reductions without subgroups and with 4 rows per workgroup; split-K and per-token
 * attention; the flash kernel runs in the default target). Float32 rope angles (no ropeBits); activations multiplied as given.
 */
export function webGpuTargets(gpu: WebGpuKernels): ConformanceTarget[] {
  const targets: ConformanceTarget[] = [{ label: `webgpu (${gpu.subgroups ? "subgroups" : "tree reductions"})`, backend: gpu }];
  if (gpu.subgroups) targets.push({ label: "webgpu matmul, tree reductions", backend: new WebGpuKernels(gpu.device, { subgroups: false }), groups: ["matmul"], quick: true });
  targets.push(
    { label: "webgpu matmul, 4 rows per workgroup", backend: new WebGpuKernels(gpu.device, { matvecRows: 4 }), groups: ["matmul"], quick: true },
    { label: "webgpu attention, split-K 5 (no flash)", backend: new WebGpuKernels(gpu.device, { attentionSplits: 5, flashAttention: false }), groups: ["attention"], quick: true },
    { label: "webgpu attention, per-token kernel (no flash)", backend: new WebGpuKernels(gpu.device, { flashAttention: false }), groups: ["attention"], quick: true },
  );
  return targets;
}
