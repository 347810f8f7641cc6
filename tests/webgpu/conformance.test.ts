import { fileURLToPath } from "node:url";
import { build, type Rollup } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import { expectAllPass, logRun } from "../kernels/conformance-runner.js";
import { openWebGpuPage } from "./chromium-webgpu.js";
import type { TargetRun } from "./page-entry.js";

// The shared conformance suite (tests/kernels/conformance-suite.ts) on WebGPU in headless Chromium (SwiftShader
// here, a real GPU elsewhere). Skips — never fails — where there is no Chromium or no WebGPU adapter.
const web = await openWebGpuPage();
const available = web !== null && web.adapter !== null;
if (web && !available) await web.close();
const reason = web === null ? "no Chromium" : "requestAdapter() returned null";
if (!available) console.warn(`webgpu conformance in Chromium skipped: ${reason}`);

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

describe.skipIf(!available)(`conformance: webgpu in Chromium${available ? "" : ` (skipped: ${reason})`}`, () => {
  afterAll(async () => web?.close());

  it("every case of the shared suite on every kernel variant is within tolerance", async () => {
    const page = web!.page;
    await page.addScriptTag({ content: await bundle() });
    const run = await page.evaluate(async () => {
      const g = globalThis as unknown as { runWebGpuConformance(): Promise<{ adapter: string; targets: TargetRun[] }> };
      return g.runWebGpuConformance();
    });
    console.log(`adapter: ${run.adapter}`);
    expect(run.targets.length).toBeGreaterThan(0);
    for (const t of run.targets) {
      for (const r of t.runs) {
        logRun(t.label, r);
        expectAllPass(r.results, `${t.label} · ${r.group}`);
      }
    }
  }, 600_000);
});
