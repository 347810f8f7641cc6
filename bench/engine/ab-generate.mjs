// In-process A/B of two builds (each a checkout with dist/ and build/): generate() on stories-7m, the path of
// `tsinfer run` / `chat` / the browser, alternating single generations of both builds: a 128-token prompt (prefill
// tokens/s) then 64 greedy tokens (EOS biased away; decode tokens/s), from generate()'s own timings; median, best-5 and the median of
// per-round ratios; tgCpu is decode tokens per CPU second. Also checks that both builds produce the same token ids.
// Usage: node bench/engine/ab-generate.mjs <before-dir> <after-dir> [threads=1] [rounds=40]
import { resolve } from "node:path";
const [beforeDir, afterDir] = [resolve(process.argv[2]), resolve(process.argv[3])];
const threads = Number(process.argv[4] ?? 1), rounds = Number(process.argv[5] ?? 40);
async function open(dir) {
  const { generate } = await import(`${dir}/dist/engine/generate.js`);
  const { loadModel } = await import(`${dir}/dist/model/load-model.js`);
  const { loadTokenizer } = await import(`${dir}/dist/tokenizer/load-tokenizer.js`);
  const { WasmBackend } = await import(`${dir}/dist/kernels/wasm/wasm-backend.js`);
  const backend = new WasmBackend({ threads });
  await backend.pool.whenReady();
  const model = loadModel(resolve(dir, "models/stories-7m/stories-7m-f16.gguf"), { backend });
  const tokenizer = loadTokenizer(resolve(dir, "models/stories-7m/stories-7m-f16.gguf"));
  return { generate, model, tokenizer, backend };
}
const prompt = Array.from({ length: 128 }, (_, i) => (i === 0 ? 1 : 300 + ((i * 37) % 3000)));
// CPU time of this thread between the first and the last token (the wasm kernels run on it with threads = 1): less
// disturbed than wall time by other processes on a shared machine.
async function once({ generate, model, tokenizer }) {
  let first = 0, last = 0, n = 0;
  const onToken = () => {
    const t = process.cpuUsage();
    last = t.user + t.system;
    if (n++ === 0) first = last;
  };
  const r = await generate(model, tokenizer, prompt, { maxTokens: 64, sampling: { temperature: 0, logitBias: new Map([[2, -100]]) }, onToken });
  return { pp: r.timings.prefillTokensPerSec, tg: r.timings.decodeTokensPerSec, tgCpu: ((n - 1) * 1e6) / (last - first), ids: r.tokenIds.join(",") };
}
const A = await open(beforeDir), B = await open(afterDir);
for (let i = 0; i < 3; i++) { await once(A); await once(B); }
const ra = [], rb = [];
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) { ra.push(await once(A)); rb.push(await once(B)); }
  else { rb.push(await once(B)); ra.push(await once(A)); }
}
const top5 = (x) => [...x].sort((a, b) => b - a).slice(0, 5).reduce((s, v) => s + v, 0) / 5;
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const out = { threads, rounds, sameTokens: ra.every((a, i) => a.ids === rb[i].ids) };
for (const k of ["pp", "tg", "tgCpu"]) {
  const a = ra.map((x) => x[k]), b = rb.map((x) => x[k]);
  out[k] = { beforeMedian: med(a), afterMedian: med(b), beforeTop5: top5(a), afterTop5: top5(b), ratioMedian: med(a.map((v, i) => b[i] / v)), ratioTop5: top5(b) / top5(a) };
}
console.log(JSON.stringify(out));
await A.backend.close(); await B.backend.close();
