// One build's single-sequence speed on stories-7m (wasm, one thread), in CPU time of this thread so that other
// processes on a shared machine disturb it less than wall time: the raw forward pass (sequenceBatch → model.forward,
// as `tsinfer bench`) for a 128-token prefill and 64 decode steps, and generate() (as `tsinfer run`) for the same.
// Prints one JSON line; bench/engine/ab-builds.sh alternates two builds in separate processes.
// Usage: node bench/engine/one-build.mjs <dir> [rounds=10]
import { resolve } from "node:path";
const dir = resolve(process.argv[2]);
const rounds = Number(process.argv[3] ?? 10);
const { generate } = await import(`${dir}/dist/engine/generate.js`);
const { loadModel } = await import(`${dir}/dist/model/load-model.js`);
const { sequenceBatch } = await import(`${dir}/dist/model/sequence-batch.js`);
const { loadTokenizer } = await import(`${dir}/dist/tokenizer/load-tokenizer.js`);
const { WasmBackend } = await import(`${dir}/dist/kernels/wasm/wasm-backend.js`);
const backend = new WasmBackend({ threads: 1 });
await backend.pool.whenReady();
const path = resolve(dir, "models/stories-7m/stories-7m-f16.gguf");
const model = loadModel(path, { backend });
const tokenizer = loadTokenizer(path);
const prompt = Array.from({ length: 128 }, (_, i) => (i === 0 ? 1 : 300 + ((i * 37) % 3000)));
const cpuUs = () => { const t = process.cpuUsage(); return t.user + t.system; };
const store = model.createKvStore ? model.createKvStore({ ctxLen: 256 }) : model.createKvCache({ ctxLen: 256, maxSeqs: 1 });
// Builds before the backend seam write logits into a buffer; later ones resolve with them.
const buffer = typeof model.allocLogits === "function" ? model.allocLogits(1) : null;
const forward = async (batch) => (buffer ? (model.forward(batch, store, buffer), buffer) : await model.forward(batch, store));
async function raw() {
  const seq = [...prompt];
  const t0 = cpuUs();
  let logits = await forward(sequenceBatch(seq, 0, 128, 0, "last"));
  const t1 = cpuUs();
  for (let i = 0; i < 64; i++) {
    let best = 0;
    for (let v = 1; v < model.config.vocabSize; v++) if (logits[v] > logits[best]) best = v;
    seq.push(best);
    logits = await forward(sequenceBatch(seq, seq.length - 1, seq.length, 0, "last"));
  }
  const t2 = cpuUs();
  return { rawPp: 128e6 / (t1 - t0), rawTg: 64e6 / (t2 - t1) };
}
async function gen() {
  let first = 0, last = 0, n = 0;
  const onToken = () => { last = cpuUs(); if (n++ === 0) first = last; };
  const t0 = cpuUs();
  await generate(model, tokenizer, prompt, { maxTokens: 64, sampling: { temperature: 0, logitBias: new Map([[2, -100]]) }, onToken });
  return { genTtft: (first - t0) / 1000, genTg: ((n - 1) * 1e6) / (last - first) };
}
for (let i = 0; i < 3; i++) { await raw(); await gen(); }
const runs = [];
for (let i = 0; i < rounds; i++) runs.push({ ...(await raw()), ...(await gen()) });
const med = (k) => [...runs.map((r) => r[k])].sort((a, b) => a - b)[runs.length >> 1];
console.log(JSON.stringify({ dir, rawPp: med("rawPp"), rawTg: med("rawTg"), genTtftMs: med("genTtft"), genTg: med("genTg") }));
await backend.close();
