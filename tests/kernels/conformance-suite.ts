import type { KernelBackend } from "../../src/kernels/backend.js";
import type { ActivationQuant } from "../../src/kernels/ref/activation-quant.js";
import type { GgmlTypeName } from "../../src/quant/ggml-type.js";
import { attentionCases } from "./conformance-attention-cases.js";
import { matmulCases } from "./conformance-matmul-cases.js";
import { moeCases } from "./conformance-moe-cases.js";
import { opsCases } from "./conformance-ops-cases.js";
import { memoryCases } from "./conformance-memory-cases.js";
import type { CaseResult } from "./conformance-util.js";

// The one conformance suite of KernelBackend: every case is written once, builds its inputs on the host, runs the
// op on the backend under test through the interface (tensorFrom, op, await readF32) and compares with a float64
// oracle (or, where stated, the ref backend's bits) under an explicit tolerance. tests/kernels/conformance.test.ts
// runs it on ref and wasm in Node (and webgpu through Dawn where the `webgpu` package loads); tests/webgpu runs it
// on WebGPU in Chromium.

/** Every weight type the CPU backends multiply: what a backend without a weightTypes list is held to. */
export const CPU_WEIGHT_TYPES: readonly GgmlTypeName[] = [
  "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS",
];

export type CaseGroup = "memory" | "matmul" | "ops" | "attention" | "moe";
export const CASE_GROUPS: readonly CaseGroup[] = ["memory", "matmul", "ops", "attention", "moe"];

/** A backend under test and what it promises beyond the interface's tolerances. */
export interface ConformanceTarget {
  readonly label: string;
  readonly backend: KernelBackend;
  /**
   * The activations a product of `type` sees: llama.cpp's 8-bit blocks for a CPU integer dot product, or null
   * (float32 as given). The oracle multiplies the same activations, so only float rounding separates the two.
   */
  readonly activationQuant?: (type: GgmlTypeName) => ActivationQuant | null;
  /** rope gives the ref backend's bits call after call (the CPU backends' float64 angle tables). */
  readonly ropeBits?: boolean;
  /** The groups to run (default all): a variant of a backend (another kernel choice) reruns only what it changes. */
  readonly groups?: readonly CaseGroup[];
  /** Fewer cases (for variants): the quick matmul shapes; attention over appended caches only. */
  readonly quick?: boolean;
}

/** What every group gets: the target, the oracle backend for bit-level comparisons, and the claimed weight types. */
export interface SuiteContext {
  readonly target: ConformanceTarget;
  readonly ref: KernelBackend;
  readonly weightTypes: readonly GgmlTypeName[];
  /** CPU_WEIGHT_TYPES the backend does not claim: loadWeight must refuse each with a typed error. */
  readonly skippedTypes: readonly GgmlTypeName[];
}

export interface SuiteRun {
  readonly group: CaseGroup;
  readonly results: CaseResult[];
  readonly elapsedMs: number;
}

export const weightTypesOf = (b: KernelBackend): readonly GgmlTypeName[] => b.weightTypes ?? CPU_WEIGHT_TYPES;

/** The weight types of CPU_WEIGHT_TYPES a backend does not claim (listed as skipped; loadWeight must refuse them). */
export const skippedWeightTypes = (b: KernelBackend): GgmlTypeName[] => CPU_WEIGHT_TYPES.filter((t) => !weightTypesOf(b).includes(t));

const GROUPS: Record<CaseGroup, (ctx: SuiteContext) => Promise<CaseResult[]>> = {
  memory: memoryCases, matmul: matmulCases, ops: opsCases, attention: attentionCases, moe: moeCases,
};

/** Runs one group of cases on the target. ref: the scalar backend (the oracle of bit-level cases). */
export async function runGroup(group: CaseGroup, target: ConformanceTarget, ref: KernelBackend): Promise<SuiteRun> {
  const t0 = performance.now();
  const results = await GROUPS[group]({ target, ref, weightTypes: weightTypesOf(target.backend), skippedTypes: skippedWeightTypes(target.backend) });
  return { group, results, elapsedMs: performance.now() - t0 };
}

/** Runs the target's groups in order. */
export async function runConformance(target: ConformanceTarget, ref: KernelBackend): Promise<SuiteRun[]> {
  const runs: SuiteRun[] = [];
  for (const g of target.groups ?? CASE_GROUPS) runs.push(await runGroup(g, target, ref));
  return runs;
}
