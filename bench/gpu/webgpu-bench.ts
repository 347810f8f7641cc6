// WebGPU kernel benchmark for a machine with a GPU (run through bench/gpu/run.sh; see bench/gpu/README.md):
// 1. the shared conformance suite (tests/kernels/conformance-suite.ts) on the real adapter, every kernel variant;
// 2. matvec / small-batch matmul timings for the Llama-3.2-1B and Qwen2.5-0.5B projection shapes in F16, Q8_0 and
//    Q4_0, reported as GB/s of weight traffic and the share of the H200's 4.8 TB/s.
// Prints one JSON line per result (prefix "RESULT ") so run.sh can collect them.
import { WebGpuKernels, type GpuLike, type GpuWeightType } from "../../src/kernels/webgpu/index.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { runConformance } from "../../tests/kernels/conformance-suite.js";
import { passes, randomF32, randomWeightBytes, rng, type CaseResult } from "../../tests/kernels/conformance-util.js";
import { webGpuTargets } from "../../tests/webgpu/webgpu-targets.js";

const PEAK_GBS = 4800;
const SHAPES: Record<string, Record<string, [number, number]>> = {
  "llama-3.2-1b": { q: [2048, 2048], kv: [512, 2048], o: [2048, 2048], gateUp: [8192, 2048], down: [2048, 8192], lmHead: [128256, 2048] },
  "qwen2.5-0.5b": { q: [896, 896], kv: [128, 896], o: [896, 896], gateUp: [4864, 896], down: [896, 4864], lmHead: [151936, 896] },
};
const TYPES: GpuWeightType[] = ["F16", "Q8_0", "Q4_0"];

function emit(o: object): void {
  console.log(`RESULT ${JSON.stringify(o)}`);
}

// Environment: WEBGPU_MODULE (default "webgpu"), BENCH_CONFORMANCE=0 / BENCH_TIMING=0 to skip a part, BENCH_ITERS
// (default 50), BENCH_SHAPES (e.g. "q,kv").
const env = process.env;
const only = env.BENCH_SHAPES ? env.BENCH_SHAPES.split(",") : null;

async function main(): Promise<void> {
  const spec = env.WEBGPU_MODULE ?? "webgpu";
  const mod = (await import(spec)) as { create(options: string[]): GpuLike; globals?: object };
  if (mod.globals) Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);

  if (env.BENCH_CONFORMANCE !== "0") {
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      emit({ kind: "error", message: "no WebGPU adapter (is .device-carry/env.sh sourced? VK_ICD_FILENAMES?)" });
      process.exit(2);
    }
    const info = adapter.info ?? {};
    const ref = createRefBackend();
    const results: CaseResult[] = [];
    for (const target of webGpuTargets(await WebGpuKernels.create(gpu))) {
      for (const run of await runConformance(target, ref)) results.push(...run.results.map((r) => ({ ...r, name: `${target.label} · ${r.name}` })));
    }
    const failed = results.filter((r) => !passes(r));
    emit({ kind: "conformance", adapter: `${info.vendor ?? "?"} / ${info.architecture ?? "?"} / ${info.description ?? info.device ?? ""}`,
      cases: results.length, failed: failed.map((r) => `${r.name}: ${r.err}`) });
    const worst = [...results].sort((a, b) => b.err / (b.tol || 1e-9) - a.err / (a.tol || 1e-9)).slice(0, 5);
    emit({ kind: "conformance-worst", worst });
  }
  if (env.BENCH_TIMING === "0") return;
  const k = await WebGpuKernels.create(gpu);
  const rand = rng(7);
  // Matvec with 1 row per workgroup (subgroup reduction) and with 4; small batches; the tiled prefill kernel.
  const k4 = new WebGpuKernels(k.device, { matvecRows: 4 });
  const runs: [number, WebGpuKernels, string][] = [[1, k, "matvec r1"], [1, k4, "matvec r4"], [8, k, "matvec r1"], [64, k, "tiled"]];
  const iters = Number(env.BENCH_ITERS ?? 50);
  for (const [model, mats] of Object.entries(SHAPES)) {
    for (const type of TYPES) {
      for (const [name, [rows, cols]] of Object.entries(mats)) {
        if (only && !only.includes(name)) continue;
        const bytes = randomWeightBytes(type, rows, cols, rand);
        const w = k.loadWeight(type, rows, cols, bytes);
        for (const [nTok, kk, kernel] of runs) {
          const x = k.tensorFrom(randomF32(nTok * cols, rand)), out = k.allocTensor(nTok * rows);
          for (let i = 0; i < 3; i++) kk.matmul(out, x, w, nTok);
          await kk.finish();
          const t0 = performance.now();
          for (let i = 0; i < iters; i++) kk.matmul(out, x, w, nTok);
          await kk.finish();
          const us = ((performance.now() - t0) * 1000) / iters;
          const gbs = bytes.byteLength / (us * 1e3);
          emit({ kind: "matmul", kernel, model, type, name, rows, cols, nTokens: nTok, us: +us.toFixed(1), weightGBs: +gbs.toFixed(3),
            peakShare: +(gbs / PEAK_GBS).toFixed(4), gflops: +((2 * rows * cols * nTok) / (us * 1e3)).toFixed(1) });
        }
        w.buffer.destroy();
      }
    }
  }
  k.device.destroy();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
