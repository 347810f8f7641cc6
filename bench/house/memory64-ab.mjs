#!/usr/bin/env node
// The cost of 64-bit addresses: the same model through `tsinfer bench` on the 32-bit and the memory64 kernel builds
// (--memory64 off / on), alternating which goes first each round (the shared host drifts), on one Node binary
// (memory64 needs Node >= 24). Prints one JSON line per measurement and a table of medians.
//
//   /path/to/node24/bin/node bench/house/memory64-ab.mjs --model models/stories-7m/stories-7m-f16.gguf
//        [--pp 0] [--tg 128] [--threads 1] [--rounds 3] [--reps 3]
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
if (!args.model) throw new Error("--model is required");
const [pp, tg, threads, rounds, reps] = [args.pp ?? "0", args.tg ?? "128", args.threads ?? "1", Number(args.rounds ?? 3), args.reps ?? "3"];
const cli = join(import.meta.dirname, "..", "..", "bin", "tsinfer.js");

function bench(memory64) {
  const out = execFileSync(process.execPath, [cli, "bench", "-m", args.model, "-p", pp, "-n", tg, "-t", threads, "--reps", reps,
    "--memory64", memory64, "--json"], { encoding: "utf8" });
  const r = JSON.parse(out);
  return { build: r.kernelBuild, pp: r.pp?.tokensPerSec.mean ?? null, ppCpu: r.pp?.tokensPerCpuSec.mean ?? null,
    tg: r.tg?.tokensPerSec.mean ?? null, tgCpu: r.tg?.tokensPerCpuSec.mean ?? null, load1: loadavg()[0], node: process.version };
}

const rows = { off: [], on: [] };
for (let round = 0; round < rounds; round++) {
  for (const mode of round % 2 === 0 ? ["off", "on"] : ["on", "off"]) {
    const r = { round, ...bench(mode) };
    rows[mode].push(r);
    console.log(JSON.stringify(r));
  }
}
const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};
console.log("| build | " + ["pp tok/s", "pp tok/CPU-s", "tg tok/s", "tg tok/CPU-s"].join(" | ") + " |\n|---|---|---|---|---|");
for (const mode of ["off", "on"]) {
  const m = (k) => median(rows[mode].map((r) => r[k]))?.toFixed(1) ?? "–";
  console.log(`| ${rows[mode][0].build} | ${m("pp")} | ${m("ppCpu")} | ${m("tg")} | ${m("tgCpu")} |`);
}
