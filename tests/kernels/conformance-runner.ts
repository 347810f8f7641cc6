import { describe, expect, it } from "vitest";
import type { KernelBackend } from "../../src/kernels/backend.js";
import { CASE_GROUPS, runGroup, skippedWeightTypes, weightTypesOf, type ConformanceTarget, type SuiteRun } from "./conformance-suite.js";
import { passes, type CaseResult } from "./conformance-util.js";

/** Fails with every case over its tolerance (name, error, tolerance, worst element). */
export function expectAllPass(results: readonly CaseResult[], where: string): void {
  const bad = results.filter((r) => !passes(r)).map((r) => `${where}: ${r.name}: err ${r.err} > tol ${r.tol}${r.detail ? ` (${r.detail})` : ""}`);
  expect(results.length).toBeGreaterThan(0);
  expect(bad).toEqual([]);
}

export function logRun(label: string, run: SuiteRun): void {
  const worst = [...run.results].sort((a, b) => b.err / (b.tol || 1e-30) - a.err / (a.tol || 1e-30))[0];
  console.log(`${label} · ${run.group}: ${run.results.length} cases in ${(run.elapsedMs / 1000).toFixed(1)} s` +
    (worst ? `; closest to its tolerance: ${worst.name}: err ${worst.err.toExponential(2)} (tol ${worst.tol})` : ""));
}

/** One describe per target and one test per case group (the groups it runs). */
export function describeConformance(targets: readonly ConformanceTarget[], ref: KernelBackend, timeoutMs = 120_000): void {
  for (const target of targets) {
    describe(`conformance: ${target.label}`, () => {
      it("claims its weight types and lists the ones it skips", () => {
        const skipped = skippedWeightTypes(target.backend);
        console.log(`${target.label}: weight types ${weightTypesOf(target.backend).join(", ")}; skipped (loadWeight must refuse): ${skipped.join(", ") || "none"}`);
        expect(weightTypesOf(target.backend)).toContain("F32");
      });
      for (const group of target.groups ?? CASE_GROUPS) {
        it(group, async () => {
          const run = await runGroup(group, target, ref);
          logRun(target.label, run);
          expectAllPass(run.results, target.label);
        }, timeoutMs);
      }
    });
  }
}
