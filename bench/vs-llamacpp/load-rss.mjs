#!/usr/bin/env node
// Peak resident memory while loading a GGUF into the wasm backend, against the file's size (the acceptance bound is
// 1.3×). Imports dist/ (npm run build).   node bench/vs-llamacpp/load-rss.mjs MODEL.gguf
import { statSync } from "node:fs";
import { WasmBackend } from "../../dist/kernels/wasm/index.js";
import { loadModel } from "../../dist/model/index.js";

const path = process.argv[2];
const backend = new WasmBackend({ threads: 1 });
const t0 = performance.now();
loadModel(path, { backend });
const loadMs = performance.now() - t0;
const fileBytes = statSync(path).size;
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ path, fileBytes, loadMs: Math.round(loadMs), maxRssBytes, ratio: +(maxRssBytes / fileBytes).toFixed(3),
  wasmMemoryBytes: backend.arena.sizeBytes, date: new Date().toISOString() }));
await backend.close();
