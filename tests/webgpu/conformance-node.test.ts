import { describe, it } from "vitest";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { WebGpuKernels } from "../../src/kernels/webgpu/index.js";
import { describeConformance } from "../kernels/conformance-runner.js";
import { dawnGpu } from "./dawn-gpu.js";
import { webGpuTargets } from "./webgpu-targets.js";

// The shared conformance suite on WebGPU in Node (Dawn), where the webgpu package and an adapter exist; skipped
// with the reason otherwise (the Chromium run in conformance.test.ts covers WebGPU then).
const dawn = await dawnGpu();
if ("reason" in dawn) {
  console.warn(`webgpu conformance in Node skipped: ${dawn.reason}`);
  describe.skip(`conformance: webgpu in Node (${dawn.reason})`, () => it("runs", () => undefined));
} else {
  describeConformance(webGpuTargets(await WebGpuKernels.create(dawn.gpu)), createRefBackend(), 300_000);
}
