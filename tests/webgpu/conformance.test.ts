import { fileURLToPath } from "node:url";
import { build, type Rollup } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import type { CaseResult } from "./conformance-util.js";
import { openWebGpuPage } from "./chromium-webgpu.js";

// The WGSL kernels against the scalar ref backend, in headless Chromium (WebGPU on SwiftShader here, a real GPU
// elsewhere). Skips — never fails — where there is no Chromium or no WebGPU adapter.
const web = await openWebGpuPage();
const available = web !== null && web.adapter !== null;
if (web && !available) await web.close();
if (!available) console.warn(`webgpu conformance skipped: ${web === null ? "no Chromium" : "requestAdapter() returned null"}`);

async function bundle(): Promise<string> {
  const entry = fileURLToPath(new URL("./page-entry.ts", import.meta.url));
  const out = await build({
    configFile: false, logLevel: "silent",
    build: { write: false, minify: false, lib: { entry, formats: ["iife"], name: "tsinferWebGpuConformance" } },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as Rollup.RollupOutput[];
  const chunk = outputs[0]!.output.find((o) => o.type === "chunk");
  if (!chunk || chunk.type !== "chunk") throw new Error("conformance bundle: no chunk");
  return chunk.code;
}

describe.skipIf(!available)("WebGPU kernels vs the ref backend", () => {
  afterAll(async () => web?.close());

  it("every kernel and weight type is within tolerance", async () => {
    const page = web!.page;
    await page.addScriptTag({ content: await bundle() });
    const run = await page.evaluate(async () => {
      const g = globalThis as unknown as { runWebGpuConformance(o: object): Promise<{ adapter: string; results: CaseResult[] }> };
      return g.runWebGpuConformance({});
    });
    console.log(`adapter: ${run.adapter}, ${run.results.length} cases`);
    const bad = run.results.filter((r) => !(r.err <= r.tol));
    for (const r of run.results) console.log(`${r.err <= r.tol ? "ok  " : "FAIL"} ${r.name}: err ${r.err.toExponential(2)} (tol ${r.tol})`);
    expect(run.results.length).toBeGreaterThan(100);
    expect(bad.map((r) => `${r.name}: ${r.err}`)).toEqual([]);
  }, 120_000);
});
