#!/usr/bin/env node
// tsinfer against llama.cpp (node-llama-cpp 3.21.1) on the same GGUF files and thread counts, runs alternating
// between the engines (the host is shared: figures drift 25–40 % between time windows).
//   node bench/vs-llamacpp/run.mjs [--models smollm2-135m,qwen2.5-0.5b,llama-3.2-1b] [--types Q8_0,Q4_0,Q4_K]
//        [--threads 1,2] [--reps 2] [--pp 512] [--tg 128] [--out bench/results/vs-llamacpp] [--llamacpp-cpu VARIANT]
// Each engine runs in its own process: `tsinfer bench --json` and llamacpp-bench.mjs (decode from a 1-token prompt,
// llama-bench's tg). llama.cpp's figures are its own counters (native_tps). Besides wall-clock tokens/s, each side's
// tokens per CPU-second of its process (all threads) is compared: on an overloaded shared host that ratio is the
// stable one (each engine's share of the CPU varies run to run). Prints a table and appends it, with
// machine, commit and date, to <out>.md and the raw records to <out>.jsonl. --llamacpp-cpu runs one of llama.cpp's
// prebuilt CPU variants (zen4, icelake, …) instead of the best one for this CPU (cpu-variant-tree.mjs).
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, rmSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuVariantTree } from "./cpu-variant-tree.mjs";
import { SHAPES } from "./shapes.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const models = (args.models ?? Object.keys(SHAPES).join(",")).split(",");
const types = (args.types ?? "Q8_0,Q4_0,Q4_K").split(",");
const threadCounts = (args.threads ?? "1,2").split(",").map(Number);
const reps = args.reps ?? "2", pp = args.pp ?? "512", tg = args.tg ?? "128";
const out = args.out ?? join(root, "bench", "results", "vs-llamacpp");
const modelDir = args["model-dir"] ?? join(here, "models");
const tsinferBin = args.tsinfer ?? join(root, "bin", "tsinfer.js");
const variantTree = args["llamacpp-cpu"] ? cpuVariantTree(root, args["llamacpp-cpu"]) : null;
process.on("exit", () => { if (variantTree) rmSync(variantTree.dir, { recursive: true, force: true }); });

function runJson(cmd, argv) {
  const text = execFileSync(cmd, argv, { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(text.trim().split("\n").pop());
}

function tsinfer(file, threads) {
  const r = runJson(process.execPath, [tsinferBin, "bench", "-m", file, "-p", pp, "-n", tg, "-t", String(threads), "--reps", reps, "--json"]);
  return { pp: r.pp.tokensPerSec.mean, ppStd: r.pp.tokensPerSec.std, tg: r.tg.tokensPerSec.mean, tgStd: r.tg.tokensPerSec.std,
    ppCpu: r.pp.tokensPerCpuSec.mean, tgCpu: r.tg.tokensPerCpuSec.mean, raw: r };
}

function llamacpp(file, threads) {
  const script = variantTree ? [...variantTree.nodeArgs, variantTree.bench] : [join(here, "llamacpp-bench.mjs")];
  const r = runJson(process.execPath, [...script, "--model", file, "--threads", String(threads), "--prompts", pp,
    "--gen", tg, "--reps", reps, "--decode-prompt", "1"]);
  return { pp: r.prefill[pp].native_tps, tg: r.decode.native_tps, ppCpu: r.prefill[pp].cpu_tps, tgCpu: r.decode.cpu_tps, raw: r };
}

const commit = args.commit ?? (() => { try { return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim(); } catch { return "unknown"; } })();
const rows = [];
let order = 0;
for (const name of models) {
  for (const type of types) {
    const file = join(modelDir, `${name}-${type.toLowerCase()}.gguf`);
    if (!existsSync(file)) { console.error(`${file}: missing (make-models.mjs), skipped`); continue; }
    for (const threads of threadCounts) {
      const load = loadavg()[0];
      // Alternate which engine goes first so drift in the host's load does not favour one.
      const first = order++ % 2 === 0 ? "tsinfer" : "llama.cpp";
      const a = first === "tsinfer" ? tsinfer(file, threads) : llamacpp(file, threads);
      const b = first === "tsinfer" ? llamacpp(file, threads) : tsinfer(file, threads);
      const [ts, ll] = first === "tsinfer" ? [a, b] : [b, a];
      const row = { model: name, type, threads, ts, ll, load };
      rows.push(row);
      console.error(`${name} ${type} t=${threads}: tsinfer pp ${ts.pp.toFixed(1)} tg ${ts.tg.toFixed(1)} | llama.cpp pp ${ll.pp.toFixed(1)} tg ${ll.tg.toFixed(1)}`);
      appendFileSync(`${out}.jsonl`, `${JSON.stringify({ commit, date: new Date().toISOString(), ...row })}\n`);
    }
  }
}

const f = (x) => x.toFixed(1);
const lines = [
  `## ${new Date().toISOString()} — commit ${commit}`,
  "",
  `Machine: ${cpus()[0]?.model} × ${cpus().length} (shared), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; pp${pp} / tg${tg}, ${reps} reps each after warm-up; llama.cpp = node-llama-cpp 3.21.1 native counters, CPU backend ${[...new Set(rows.map((r) => r.ll.raw.cpu_backend))].join(", ")}${variantTree ? ` (--llamacpp-cpu ${args["llamacpp-cpu"]})` : ""}. Load average at each row's start shown.`,
  "",
  `| model | type | threads | tsinfer pp${pp} | llama.cpp pp${pp} | pp ratio | pp ratio per CPU-s | tsinfer tg${tg} | llama.cpp tg${tg} | tg ratio | tg ratio per CPU-s | load |`,
  "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.model} | ${r.type} | ${r.threads} | ${f(r.ts.pp)} ± ${f(r.ts.ppStd)} | ${f(r.ll.pp)} | ${(r.ts.pp / r.ll.pp).toFixed(2)} | ${(r.ts.ppCpu / r.ll.ppCpu).toFixed(2)} | ${f(r.ts.tg)} ± ${f(r.ts.tgStd)} | ${f(r.ll.tg)} | ${(r.ts.tg / r.ll.tg).toFixed(2)} | ${(r.ts.tgCpu / r.ll.tgCpu).toFixed(2)} | ${r.load.toFixed(1)} |`),
  "",
  "Each engine at its best thread count:",
  "",
  `| model | type | tsinfer pp (t) | llama.cpp pp (t) | pp ratio | tsinfer tg (t) | llama.cpp tg (t) | tg ratio |`,
  "|---|---|---|---|---|---|---|---|",
];
for (const name of models) {
  for (const type of types) {
    const rs = rows.filter((r) => r.model === name && r.type === type);
    if (rs.length === 0) continue;
    const best = (get) => rs.reduce((b, r) => (get(r) > get(b) ? r : b));
    const tp = best((r) => r.ts.pp), lp = best((r) => r.ll.pp), tt = best((r) => r.ts.tg), lt = best((r) => r.ll.tg);
    lines.push(`| ${name} | ${type} | ${f(tp.ts.pp)} (${tp.threads}) | ${f(lp.ll.pp)} (${lp.threads}) | ${(tp.ts.pp / lp.ll.pp).toFixed(2)} | ${f(tt.ts.tg)} (${tt.threads}) | ${f(lt.ll.tg)} (${lt.threads}) | ${(tt.ts.tg / lt.ll.tg).toFixed(2)} |`);
  }
}
const table = `${lines.join("\n")}\n\n`;
process.stdout.write(table);
appendFileSync(`${out}.md`, table);
