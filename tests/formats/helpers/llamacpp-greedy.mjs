#!/usr/bin/env node
// Greedy continuation of token ids by llama.cpp (node-llama-cpp, CPU, prebuilt binaries); prints {generated:[ids]}.
//   node llamacpp-greedy.mjs MODEL.gguf 1,421,429 16
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const [modelPath, ids, count] = process.argv.slice(2);
const prompt = ids.split(",").map((x) => parseInt(x, 10));
const n = parseInt(count ?? "16", 10);
const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 512, batchSize: 64, threads: { ideal: 1, min: 1 } });
const sequence = context.getSequence();
const generated = [];
for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
  generated.push(token);
  if (generated.length >= n) break;
}
console.log(JSON.stringify({ generated }));
await context.dispose();
await model.dispose();
await llama.dispose();
