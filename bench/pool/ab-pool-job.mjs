// In-process A/B of the pool's per-job cost: blocks of 2,000 back-to-back small rmsNorm jobs (8 rows × 288, the
// size of a stories-7m decode batch's norm), two builds alternating; best-5 and median block times.
// Usage: node bench/pool/ab-pool-job.mjs <before-dir> <after-dir>
import { resolve } from "node:path";
async function open(dir) {
  const { WasmBackend } = await import(`${dir}/dist/kernels/wasm/wasm-backend.js`);
  const b = new WasmBackend({ threads: 2 });
  await b.pool.whenReady();
  const n = 288, rows = 8;
  // allocF32 before the backend seam (issue 21), allocTensor after: a Float32Array in wasm memory either way.
  const alloc = (k) => (b.allocF32 ?? b.allocTensor).call(b, k);
  const x = alloc(rows * n), o = alloc(rows * n), w = alloc(n);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
  w.fill(1);
  return { b, run: () => { const t0 = performance.now(); for (let j = 0; j < 2000; j++) b.rmsNorm(o, x, w, rows, n, 1e-5, false); return (performance.now() - t0) / 2000 * 1000; } };
}
const A = await open(resolve(process.argv[2])), B = await open(resolve(process.argv[3]));
for (let i = 0; i < 5; i++) { A.run(); B.run(); }
const ta = [], tb = [];
for (let r = 0; r < 80; r++) { if (r % 2) { ta.push(A.run()); tb.push(B.run()); } else { tb.push(B.run()); ta.push(A.run()); } }
const low5 = (x) => [...x].sort((p, q) => p - q).slice(0, 5).reduce((s, v) => s + v, 0) / 5;
const med = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
console.log(JSON.stringify({ usPerJob: { beforeBest5: low5(ta), afterBest5: low5(tb), beforeMedian: med(ta), afterMedian: med(tb) }, afterOverBefore: { best5: low5(tb) / low5(ta), median: med(tb) / med(ta) } }));
await A.b.close(); await B.b.close();
