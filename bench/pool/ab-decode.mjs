// In-process A/B of two builds (each a checkout with dist/ and build/): stories-7m decode on the wasm backend,
// alternating blocks of 64 greedy decode steps; median, best and top-5 tokens/s of each.
// Usage: node bench/pool/ab-decode.mjs <before-dir> <after-dir> [threads=2] [rounds=60]
import { resolve } from "node:path";
const [beforeDir, afterDir] = [resolve(process.argv[2]), resolve(process.argv[3])];
const M = resolve(afterDir, "models/stories-7m/stories-7m-f16.gguf");
const threads = Number(process.argv[4] ?? 2), rounds = Number(process.argv[5] ?? 60);
async function open(dir) {
  const { loadModel } = await import(`${dir}/dist/model/load-model.js`);
  const { WasmBackend } = await import(`${dir}/dist/kernels/wasm/wasm-backend.js`);
  const { sequenceBatch } = await import(`${dir}/dist/model/sequence-batch.js`);
  const backend = new WasmBackend({ threads });
  await backend.pool.whenReady();
  const model = loadModel(M, { backend });
  return { model, sequenceBatch, backend };
}
// Builds before the backend seam (issue 21) write logits into a buffer; later ones resolve with them.
async function decode({ model, sequenceBatch }, n) {
  const kv = model.createKvCache({ ctxLen: n + 1, maxSeqs: 1 });
  const buffer = typeof model.allocLogits === "function" ? model.allocLogits(1) : null;
  const seq = new Array(n + 1).fill(1);
  const vocab = model.config.vocabSize;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const batch = sequenceBatch(seq, i, i + 1, 0, "last");
    const logits = buffer ? (model.forward(batch, kv, buffer), buffer) : await model.forward(batch, kv);
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits[v] > logits[best]) best = v;
    seq[i + 1] = best;
  }
  return n / ((performance.now() - t0) / 1000);
}
const A = await open(beforeDir), B = await open(afterDir);
for (let i = 0; i < 3; i++) { await decode(A, 64); await decode(B, 64); }
const ra = [], rb = [];
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) { ra.push(await decode(A, 64)); rb.push(await decode(B, 64)); }
  else { rb.push(await decode(B, 64)); ra.push(await decode(A, 64)); }
}
const top5 = (x) => [...x].sort((a, b) => b - a).slice(0, 5).reduce((s, v) => s + v, 0) / 5;
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const ratios = ra.map((a, i) => rb[i] / a);
console.log(JSON.stringify({ threads, rounds, beforeMedian: med(ra), afterMedian: med(rb), beforeBest: Math.max(...ra), afterBest: Math.max(...rb), beforeTop5: top5(ra), afterTop5: top5(rb), ratioMedian: med(ratios), ratioTop5: top5(rb) / top5(ra) }));
await A.backend.close(); await B.backend.close();
