#!/usr/bin/env node
// CPU speed of two checkouts of tsinfer (each with build/ and dist/), alternating in one run on one machine: the
// "CPU speed unchanged" check of a refactor (issue 21). Measures, through each checkout's own CLI:
//   - stories-7m decode, 1 sequence: `tsinfer bench -p 0 -n 128` (tokens/s, mean of the reps);
//   - stories-7m decode, 8 sequences: `tsinfer serve --parallel 8` measured by `tsinfer bench-serve --concurrency 8
//     --ignore-eos` (output tokens/s; HTTP and SSE included, the same for both);
//   - Llama-3.2-1B-shaped Q4_0 prefill and decode: `tsinfer bench -p 128 -n 32` on a file made by
//     bench/vs-llamacpp/make-models.mjs (synthetic weights, real shapes).
// Rounds alternate which checkout goes first (the shared host drifts). Each measurement prints a JSON line; with
// --out the lines go to OUT.jsonl and a markdown table of the per-metric median ratio after/before to OUT.md.
//
//   node bench/house/ab-commits.mjs --before /path/a --after /path/b --llama models/llama-3.2-1b-q4_0.gguf
//        [--threads 2] [--rounds 5] [--out bench/results/house-refactor]
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
for (const k of ["before", "after", "llama"]) if (!args[k]) throw new Error(`--${k} is required`);
const dirs = { before: resolve(args.before), after: resolve(args.after) };
const llama = resolve(args.llama);
const threads = String(args.threads ?? 2);
const rounds = Number(args.rounds ?? 5);
const stories = (dir) => join(dir, "models/stories-7m/stories-7m-f16.gguf");
const commit = (dir) => execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();

function cli(dir, argv) {
  return execFileSync(process.execPath, [join(dir, "bin/tsinfer.js"), ...argv], { encoding: "utf8", maxBuffer: 1 << 26 });
}

function bench(dir, model, pp, tg, reps) {
  const r = JSON.parse(cli(dir, ["bench", "-m", model, "-p", String(pp), "-n", String(tg), "-t", threads, "--reps", String(reps), "--json"]));
  return { pp: r.pp?.tokensPerSec.mean, tg: r.tg?.tokensPerSec.mean };
}

async function served(dir, port) {
  const server = spawn(process.execPath, [join(dir, "bin/tsinfer.js"), "serve", "-m", stories(dir), "--port", String(port),
    "--threads", threads, "--parallel", "8"], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr.on("data", (d) => (log += d));
  try {
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error(`serve did not come up: ${log}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    const out = cli(dir, ["bench-serve", "--base-url", `http://127.0.0.1:${port}`, "--num-prompts", "32", "--concurrency", "8",
      "--max-tokens", "64", "--ignore-eos", "--json"]);
    return JSON.parse(out).outputThroughput;
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
}

const results = { before: {}, after: {} };
const push = (side, metric, v) => (results[side][metric] ??= []).push(v);
const lines = [];
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? ["before", "after"] : ["after", "before"];
  for (const side of order) {
    const dir = dirs[side];
    const s1 = bench(dir, stories(dir), 0, 128, 3);
    const l = bench(dir, llama, 128, 32, 2);
    const s8 = await served(dir, 18600 + round * 2 + (side === "after" ? 1 : 0));
    const line = { round, side, commit: commit(dir), storiesDecode1: s1.tg, storiesDecode8: s8, llama1bQ4_0Prefill: l.pp, llama1bQ4_0Decode: l.tg,
      threads: Number(threads), load: loadavg()[0], date: new Date().toISOString() };
    for (const m of ["storiesDecode1", "storiesDecode8", "llama1bQ4_0Prefill", "llama1bQ4_0Decode"]) push(side, m, line[m]);
    lines.push(line);
    console.log(JSON.stringify(line));
  }
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const rows = Object.keys(results.before).map((m) => {
  const b = median(results.before[m]), a = median(results.after[m]);
  return `| ${m} | ${b.toFixed(1)} | ${a.toFixed(1)} | ${(a / b).toFixed(3)} |`;
});
const md = [
  `## ${commit(dirs.after)} against ${commit(dirs.before)}, ${new Date().toISOString().slice(0, 10)}`,
  "",
  `${rounds} alternating rounds, ${threads} threads, ${cpus()[0]?.model ?? "?"} (${cpus().length} cores), Node ${process.version}; tokens/s, medians over the rounds.`,
  "",
  "| metric | before | after | after / before |",
  "|---|---|---|---|",
  ...rows,
  "",
].join("\n");
console.log(md);
if (args.out) {
  appendFileSync(`${args.out}.jsonl`, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  appendFileSync(`${args.out}.md`, md + "\n");
}
