// Engine steps (awaited: step() is async since the model runner's forward is) of two builds in one process, alternating step by step: 1 then 8 decoding sequences (greedy,
// traceTopK 5 as the server), twice. Usage: node bench/attention/step-ab.mjs BUILD_A BUILD_B; env STEPS (120),
// KV_A / KV_B (KV type per build, default f32), THREADS_A / THREADS_B. Prints min / median ms per step, the time
// inside backend.attention and backend.kvAppend per step, and the 8-vs-1 tokens/s ratio of each build.
const roots = [process.argv[2], process.argv[3]];
const threadsOf = [Number(process.env.THREADS_A ?? 1), Number(process.env.THREADS_B ?? 1)];
const STEPS = Number(process.env.STEPS ?? 120);
const sides = [];
for (const [k, root] of roots.entries()) { const threads = threadsOf[k];
  const { selectBackend } = await import(`${root}/dist/kernels/select.js`);
  const { loadServedModel } = await import(`${root}/dist/server/load-served-model.js`);
  const { EngineCore } = await import(`${root}/dist/engine/engine-core.js`);
  const { resolveSamplingParams } = await import(`${root}/dist/sampling/sampling-params.js`);
  const backend = await selectBackend({ backend: "wasm", threads }, 2);
  const served = loadServedModel({ backend, modelPath: new URL("../../models/stories-7m/stories-7m-f16.gguf", import.meta.url).pathname, parallel: 8, maxBatchTokens: 128, kvType: (k === 0 ? process.env.KV_A : process.env.KV_B) ?? "f32" });
  const engine = new EngineCore(served.model, { maxBatchTokens: 128, maxSeqs: 8, traceTopK: 5, now: () => performance.now() });
  const side = { threads, root, backend, served, engine, resolveSamplingParams, tokens: [], attMs: 0, appMs: 0 };
  const origApp = backend.kvAppend.bind(backend);
  backend.kvAppend = (...a) => { const t0 = performance.now(); origApp(...a); side.appMs += performance.now() - t0; };
  // Time spent in backend.attention (the wrapper costs both builds alike).
  const orig = backend.attention.bind(backend);
  backend.attention = (...a) => { const t0 = performance.now(); orig(...a); side.attMs += performance.now() - t0; };
  sides.push(side);
}
const listener = (side) => ({ onToken(_r, ev) { side.tokens.push(ev.token); }, onFinish() {} });
const out = [];
for (const n of [1, 8, 1, 8]) {
  for (const s of sides) {
    for (let i = 0; i < n; i++) s.engine.add(`r${n}-${i}-${Math.random()}`, s.served.encode(`Once upon a time, story ${i} had a dog`), { maxTokens: STEPS + 10, sampling: s.resolveSamplingParams({ temperature: 0, seed: 1 }, 4096), topLogprobs: null, stopTokenIds: new Set() }, listener(s));
    for (let i = 0; i < 5; i++) await s.engine.step();
    s.t = []; s.attMs = 0; s.appMs = 0;
  }
  for (let i = 0; i < STEPS; i++) for (const s of sides) { const a = performance.now(); await s.engine.step(); s.t.push(performance.now() - a); }
  for (const s of sides) { s.att = s.attMs / STEPS; s.app = s.appMs / STEPS; while (await s.engine.step()) {} s.t.sort((p, q) => p - q); s[n] = [s.t[0], s.t[s.t.length >> 1], s.att, s.app]; }
  if (n === 8) out.push(sides.map((s) => `${s.root.split("/").pop()} ${(s === sides[0] ? process.env.KV_A : process.env.KV_B) ?? "f32"} t${s.threads}: 1 seq ${s[1][0].toFixed(2)}/${s[1][1].toFixed(2)} ms, 8 seq ${s[8][0].toFixed(2)}/${s[8][1].toFixed(2)} ms (attention ${s[1][2].toFixed(2)} / ${s[8][2].toFixed(2)}, kvAppend ${s[1][3].toFixed(3)} / ${s[8][3].toFixed(3)} ms per step), ratio(median) ${(8 * s[1][1] / s[8][1]).toFixed(2)} ratio(min) ${(8 * s[1][0] / s[8][0]).toFixed(2)}`).join("  ||  "));
}
console.log(out.join("\n"));
const same = sides[0].tokens.length === sides[1].tokens.length && sides[0].tokens.every((t, i) => t === sides[1].tokens[i]);
console.log(`same greedy tokens in both builds: ${same} (${sides[0].tokens.length})`);
for (const s of sides) await s.backend.close();
