#!/usr/bin/env node
// Where a decode step's time goes: wraps every KernelBackend method of a wasm backend with a timer, decodes
// --tokens tokens from an empty context and prints time per kernel (matmul split by weight shape) with the bytes
// each matmul reads and the bandwidth that implies, next to the read-bandwidth probe. Imports dist/ (npm run build).
//   node bench/vs-llamacpp/profile-decode.mjs --model M.gguf [--threads 1] [--tokens 32]
import { WasmBackend, measureReadBandwidth } from "../../dist/kernels/wasm/index.js";
import { loadModel, sequenceBatch } from "../../dist/model/index.js";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const threads = Number(args.threads ?? 1), nTok = Number(args.tokens ?? 32);
const backend = new WasmBackend({ threads });
await backend.pool.whenReady();
const model = loadModel(args.model, { backend });

// The KernelBackend methods a forward pass calls (loading and allocation are not timed).
const KERNELS = new Set(["matmul", "embed", "rmsNorm", "layerNorm", "rope", "softmax", "activate", "glu", "add", "addRows", "mulRows", "scale", "softcap", "kvAppend", "attention"]);
const stats = new Map();
let timing = false;
const proto = Object.getPrototypeOf(backend);
for (const name of Object.getOwnPropertyNames(proto)) {
  if (!KERNELS.has(name)) continue;
  const fn = backend[name].bind(backend);
  backend[name] = (...a) => {
    if (!timing) return fn(...a);
    const t0 = performance.now();
    const r = fn(...a);
    const ms = performance.now() - t0;
    const w = name === "matmul" ? a[2] : null;
    const key = w ? `matmul ${w.type} [${w.rows}×${w.cols}]` : name;
    const s = stats.get(key) ?? { calls: 0, ms: 0, bytes: 0 };
    s.calls++; s.ms += ms; s.bytes += w ? w.bytes.byteLength : 0;
    stats.set(key, s);
    return r;
  };
}

const kv = model.createKvCache({ ctxLen: nTok + 8, maxSeqs: 1 });
const seq = new Array(nTok + 8).fill(1);
for (let i = 0; i < 4; i++) await model.forward(sequenceBatch(seq, i, i + 1, 0, "last"), kv);
timing = true;
const t0 = performance.now();
for (let i = 4; i < 4 + nTok; i++) await model.forward(sequenceBatch(seq, i, i + 1, 0, "last"), kv);
const totalMs = performance.now() - t0;
timing = false;
const probe = measureReadBandwidth(backend);
await backend.close();

let kernelMs = 0, bytes = 0;
for (const s of stats.values()) { kernelMs += s.ms; bytes += s.bytes; }
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
console.log(`${args.model}: ${threads} thread(s), ${nTok} decode steps, ${(nTok / (totalMs / 1000)).toFixed(2)} tok/s; read probe ${(probe / 1e9).toFixed(2)} GB/s`);
console.log("| kernel | calls/token | ms/token | share of step | GB/s |");
console.log("|---|---|---|---|---|");
for (const [k, s] of rows) {
  const gbs = s.bytes ? (s.bytes / (s.ms / 1000) / 1e9).toFixed(2) : "";
  console.log(`| ${k} | ${(s.calls / nTok).toFixed(0)} | ${(s.ms / nTok).toFixed(3)} | ${((100 * s.ms) / totalMs).toFixed(1)}% | ${gbs} |`);
}
console.log(`| (outside kernels: JS forward pass, sampling) | | ${((totalMs - kernelMs) / nTok).toFixed(3)} | ${((100 * (totalMs - kernelMs)) / totalMs).toFixed(1)}% | |`);
console.log(`matmuls read ${(bytes / nTok / 1e6).toFixed(1)} MB/token: ${(bytes / nTok / (totalMs / nTok / 1000) / 1e9).toFixed(2)} GB/s over the whole step = ${((100 * bytes / (totalMs / 1000)) / probe).toFixed(0)}% of the probe`);
