import { createRefBackend } from "../../src/kernels/ref/index.js";
import { WebGpuKernels, type GpuLike } from "../../src/kernels/webgpu/index.js";
import { runConformance, type SuiteRun } from "../kernels/conformance-suite.js";
import { webGpuTargets } from "./webgpu-targets.js";

export interface TargetRun {
  readonly label: string;
  readonly runs: SuiteRun[];
}

// Bundled (IIFE) into the conformance page: the shared suite on navigator.gpu's adapter, for page.evaluate.
const g = globalThis as unknown as { navigator?: { gpu?: GpuLike }; runWebGpuConformance?: unknown };
g.runWebGpuConformance = async (): Promise<{ adapter: string; targets: TargetRun[] }> => {
  const gpu = g.navigator?.gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!gpu || !adapter) return { adapter: "none", targets: [] };
  const info = adapter.info ?? {};
  const kernels = await WebGpuKernels.create(gpu);
  const ref = createRefBackend();
  const targets: TargetRun[] = [];
  for (const t of webGpuTargets(kernels)) targets.push({ label: t.label, runs: await runConformance(t, ref) });
  return { adapter: `${info.vendor ?? "?"} / ${info.architecture ?? "?"} / ${info.description ?? info.device ?? ""}`, targets };
};
