import type { GpuLike } from "../../src/kernels/webgpu/index.js";
import { runConformance } from "./conformance-cases.js";

// Bundled (IIFE) into the conformance page: exposes the suite to page.evaluate.
const g = globalThis as unknown as { navigator?: { gpu?: GpuLike }; runWebGpuConformance?: unknown };
g.runWebGpuConformance = async (opts: { quick?: boolean; long?: number }) => {
  const gpu = g.navigator?.gpu;
  if (!gpu) return { adapter: "none", results: [] };
  return runConformance(gpu, opts);
};
