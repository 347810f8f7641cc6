// In-process A/B of the raw forward pass (sequenceBatch → model.forward, the path of `tsinfer bench`) of two builds
// on one model file, wasm with one thread, in CPU time: each round runs a 128-token prefill then 16 decode steps in
// both builds, in alternating order (A B, B A, …), and the figure is the median of the per-round ratios B / A.
// Usage: node bench/engine/ab-forward.mjs <dir-A> <dir-B> <model.gguf> [rounds=12]
import { resolve } from "node:path";
const [dirA, dirB, modelPath] = [resolve(process.argv[2]), resolve(process.argv[3]), resolve(process.argv[4])];
const rounds = Number(process.argv[5] ?? 12);
const cpuUs = () => { const t = process.cpuUsage(); return t.user + t.system; };
async function open(dir) {
  const { loadModel } = await import(`${dir}/dist/model/load-model.js`);
  const { sequenceBatch } = await import(`${dir}/dist/model/sequence-batch.js`);
  const { WasmBackend } = await import(`${dir}/dist/kernels/wasm/wasm-backend.js`);
  const backend = new WasmBackend({ threads: 1 });
  await backend.pool.whenReady();
  const model = loadModel(modelPath, { backend });
  // The KV store, or in builds before it the PagedKvCache (one sequence).
  const store = model.createKvStore ? model.createKvStore({ ctxLen: 160 }) : model.createKvCache({ ctxLen: 160, maxSeqs: 1 });
  // Builds before the backend seam write logits into a buffer (a synchronous forward); later ones resolve with them.
  const buffer = typeof model.allocLogits === "function" ? model.allocLogits(1) : null;
  return { model, sequenceBatch, backend, store, buffer };
}
const prompt = Array.from({ length: 128 }, (_, i) => (i === 0 ? 1 : 300 + ((i * 37) % 3000)));
async function round({ model, sequenceBatch, store, buffer }) {
  const seq = [...prompt];
  const t0 = cpuUs();
  await model.forward(sequenceBatch(seq, 0, 128, 0, "last"), store, buffer);
  const t1 = cpuUs();
  for (let i = 0; i < 16; i++) {
    seq.push(300 + i);
    await model.forward(sequenceBatch(seq, seq.length - 1, seq.length, 0, "last"), store, buffer);
  }
  const t2 = cpuUs();
  return { pp: 128e6 / (t1 - t0), tg: 16e6 / (t2 - t1) };
}
const A = await open(dirA), B = await open(dirB);
await round(A); await round(B);
const ra = [], rb = [];
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) { ra.push(await round(A)); rb.push(await round(B)); }
  else { rb.push(await round(B)); ra.push(await round(A)); }
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const out = { model: modelPath, rounds };
for (const k of ["pp", "tg"]) out[k] = { aMedian: med(ra.map((x) => x[k])), bMedian: med(rb.map((x) => x[k])), ratioMedian: med(ra.map((x, i) => rb[i][k] / x[k])) };
console.log(JSON.stringify(out));
await A.backend.close(); await B.backend.close();
