#!/usr/bin/env node
// Greedy continuations by llama.cpp (node-llama-cpp 3.21.1, CPU, prebuilt binaries, 1 thread).
//   node llamacpp-greedy.mjs MODEL.gguf PROMPTS_JSON N   (PROMPTS_JSON: [[1,421,...], ...])
// Prints {"generated": [[ids...], ...]}, one list per prompt.
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const [modelPath, promptsJson, count] = process.argv.slice(2);
const prompts = JSON.parse(promptsJson);
const n = parseInt(count ?? "16", 10);
const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath });
const generated = [];
for (const prompt of prompts) {
  const context = await model.createContext({ contextSize: 512, batchSize: 64, threads: { ideal: 1, min: 1 } });
  const sequence = context.getSequence();
  const tokens = [];
  for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
    tokens.push(token);
    if (tokens.length >= n) break;
  }
  generated.push(tokens);
  await context.dispose();
}
console.log(JSON.stringify({ generated }));
await model.dispose();
await llama.dispose();
