import type { GpuLike } from "../../src/kernels/webgpu/index.js";

/**
 * WebGPU in Node through Dawn (the `webgpu` npm package, or the module WEBGPU_MODULE names), with its adapter, or
 * the reason there is none. Not a dependency of the project: where it is not installed the Node run is skipped and
 * the Chromium run (tests/webgpu/conformance.test.ts) covers WebGPU. On a machine without a system Vulkan loader,
 * start the tests with LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.
 */
export async function dawnGpu(): Promise<{ gpu: GpuLike } | { reason: string }> {
  const spec = process.env.WEBGPU_MODULE ?? "webgpu";
  let mod: { create(options: string[]): GpuLike; globals?: object };
  try {
    mod = (await import(/* @vite-ignore */ spec)) as typeof mod;
  } catch {
    return { reason: `no Dawn: the module "${spec}" does not load (install the webgpu package or set WEBGPU_MODULE)` };
  }
  if (mod.globals) Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  if (!(await gpu.requestAdapter())) return { reason: "Dawn found no adapter (no Vulkan driver? see VK_ICD_FILENAMES)" };
  return { gpu };
}
