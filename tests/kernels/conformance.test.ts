import { afterAll } from "vitest";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import type { ActivationQuant } from "../../src/kernels/ref/activation-quant.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { describeConformance } from "./conformance-runner.js";
import type { ConformanceTarget } from "./conformance-suite.js";
import { noteMemory64Skip, wasmBackendsOnBothBuilds } from "./wasm-builds.js";

// The shared conformance suite (conformance-suite.ts) on the CPU backends: ref (the oracle backend, itself held to
// the float64 oracles) and wasm in its SIMD and relaxed-SIMD builds, with one to three worker threads (row ranges
// split across threads); each again on the memory64 builds (simd64, relaxed64) where the runtime has memory64.
// WebGPU runs the same cases in tests/webgpu.
const ref = createRefBackend();
const wasm = wasmBackendsOnBothBuilds([
  { threads: 1, relaxedSimd: false },
  { threads: 2, relaxedSimd: true },
  { threads: 3, relaxedSimd: true },
]);
noteMemory64Skip();
afterAll(async () => {
  await Promise.all(wasm.map((b) => b.close()));
});

/** llama.cpp's CPU vec_dot_type: Q8_K blocks for the K-quants and IQ4_XS, Q8_0 for the other block types. */
function wasmActivationQuant(type: GgmlTypeName): ActivationQuant | null {
  if (type === "F32" || type === "F16" || type === "BF16") return null;
  return type.endsWith("_K") || type === "IQ4_XS" ? "Q8_K" : "Q8_0";
}

const targets: ConformanceTarget[] = [
  { label: "ref", backend: ref, ropeBits: true },
  ...wasm.map((b): ConformanceTarget => ({
    label: `wasm ${b.kernelBuild}, ${b.threads} thread(s)`, backend: b, activationQuant: wasmActivationQuant, ropeBits: true,
    groups: b.threads === 3 ? ["matmul"] : undefined,
  })),
];
describeConformance(targets, ref);
