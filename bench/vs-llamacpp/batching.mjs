#!/usr/bin/env node
// Continuous batching, tsinfer and llama.cpp on the same model and host: the output tokens/s of C concurrent streams
// against one stream alone (issue 6's "8 concurrent streams ≥ 3× one" measure, put beside the reference engine's).
//
//   node bench/vs-llamacpp/batching.mjs [--model models/stories-7m/stories-7m-f16.gguf] [--threads 2]
//        [--concurrency 8] [--max-tokens 64] [--rounds 3] [--out bench/results/vs-llamacpp-batching]
//
// tsinfer: one `tsinfer serve --threads T --parallel C` for the whole run, measured by `tsinfer bench-serve`
//   (completions, greedy, --ignore-eos): c=1 with C requests in turn, then c=C with 4·C requests. HTTP, SSE and the
//   client process are included.
// llama.cpp: node-llama-cpp (the exact pin in package.json) in a child process, one context of C sequences. A request
//   is one sequence's evaluate() of a bench-serve prompt (tokenized by llama.cpp, BOS added), greedy, stopped after
//   max-tokens tokens (EOS does not stop it, as --ignore-eos); concurrent requests are batched by node-llama-cpp into
//   one llama_decode per step. The same request counts as tsinfer's. No HTTP, so the comparison leans to llama.cpp.
// Rounds alternate the engines (the shared host drifts); each round prints a JSON line. With --out, the lines are
// appended to OUT.jsonl and a markdown section to OUT.md.
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const model = args.model ?? join(root, "models", "stories-7m", "stories-7m-f16.gguf");
const threads = Number(args.threads ?? 2), C = Number(args.concurrency ?? 8), maxTokens = Number(args["max-tokens"] ?? 64);
const rounds = Number(args.rounds ?? 3);

if ("llamacpp-worker" in args) {
  console.log(JSON.stringify(await llamacppWorker()));
  process.exit(0);
}

const { DEFAULT_BENCH_PROMPTS } = await import(join(root, "dist", "server", "bench", "run-bench-serve.js"));
const tsinferBin = join(root, "bin", "tsinfer.js");
const server = spawn(process.execPath, [tsinferBin, "serve", "-m", model, "--port", "0", "--threads", String(threads), "--parallel", String(C)], {
  stdio: ["ignore", "ignore", "pipe"],
});
const baseUrl = await new Promise((resolve, reject) => {
  let text = "";
  server.stderr.on("data", (d) => {
    text += d;
    const m = /listening on (http:\/\/\S+)/.exec(text);
    if (m) resolve(m[1].replace(/\/$/, ""));
  });
  server.on("exit", (code) => reject(new Error(`tsinfer serve exited (${code}): ${text}`)));
});

function benchServe(concurrency, numPrompts) {
  const text = execFileSync(process.execPath, [tsinferBin, "bench-serve", "--base-url", baseUrl, "--num-prompts", String(numPrompts),
    "--concurrency", String(concurrency), "--max-tokens", String(maxTokens), "--ignore-eos", "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const s = JSON.parse(text);
  const summary = s.summary ?? s;
  if (summary.failed > 0) throw new Error(`bench-serve: ${summary.failed} requests failed: ${summary.errors}`);
  return summary.outputThroughput;
}

function llamacpp() {
  const text = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--llamacpp-worker", "1", "--model", model, "--threads", String(threads),
    "--concurrency", String(C), "--max-tokens", String(maxTokens), "--prompts", JSON.stringify(DEFAULT_BENCH_PROMPTS)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(text.trim().split("\n").pop());
}

const r1 = (x) => Math.round(x * 10) / 10;
const commit = (() => { try { return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim(); } catch { return "unknown"; } })();
const lines = [];
try {
  benchServe(C, C); // warm-up
  for (let r = 0; r < rounds; r++) {
    const load = r1(loadavg()[0]);
    const t1 = benchServe(1, C), tC = benchServe(C, 4 * C);
    const l = llamacpp();
    const line = { round: r + 1, commit, threads, concurrency: C, max_tokens: maxTokens, load,
      tsinfer: { c1: r1(t1), cC: r1(tC), ratio: Math.round((tC / t1) * 100) / 100 },
      llamacpp: { c1: r1(l.c1), cC: r1(l.cC), ratio: Math.round((l.cC / l.c1) * 100) / 100, cpu_backend: l.cpu_backend } };
    console.log(JSON.stringify(line));
    lines.push(line);
  }
} finally {
  server.kill("SIGTERM");
}

if (args.out) {
  appendFileSync(`${args.out}.jsonl`, lines.map((l) => JSON.stringify(l) + "\n").join(""));
  const md = [`## ${new Date().toISOString()} — commit ${commit}`, "",
    `${model.replace(root + "/", "")}, ${threads} threads, ${maxTokens} tokens per request (greedy, EOS ignored); c=1: ${C} requests in turn, ` +
    `c=${C}: ${4 * C} requests, ${C} at a time; output tokens/s. tsinfer through \`tsinfer serve\` + \`tsinfer bench-serve\` (HTTP); ` +
    `llama.cpp through node-llama-cpp (${lines[0]?.llamacpp.cpu_backend}, one context of ${C} sequences, no HTTP). Rounds alternate the engines.`, "",
    `| round | load | tsinfer c=1 | tsinfer c=${C} | tsinfer ratio | llama.cpp c=1 | llama.cpp c=${C} | llama.cpp ratio |`,
    "|---|---|---|---|---|---|---|---|",
    ...lines.map((l) => `| ${l.round} | ${l.load} | ${l.tsinfer.c1} | ${l.tsinfer.cC} | ${l.tsinfer.ratio}× | ${l.llamacpp.c1} | ${l.llamacpp.cC} | ${l.llamacpp.ratio}× |`),
    "", ""];
  appendFileSync(`${args.out}.md`, md.join("\n"));
}

async function llamacppWorker() {
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const log = [];
  const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.debug, logger: (_l, m) => log.push(m) });
  const m = await llama.loadModel({ modelPath: model });
  const ctx = await m.createContext({ contextSize: C * 512, sequences: C, batchSize: 512, threads: { ideal: threads, min: threads } });
  const seqs = Array.from({ length: C }, () => ctx.getSequence());
  const prompts = JSON.parse(args.prompts).map((p) => m.tokenize(p, true));
  // `requests` requests, `conc` in flight, each on its own sequence: output tokens per second of wall time.
  const run = async (conc, requests) => {
    let next = 0, tokens = 0;
    const t0 = performance.now();
    await Promise.all(seqs.slice(0, conc).map(async (seq) => {
      while (next < requests) {
        const k = next++;
        await seq.clearHistory();
        let n = 0;
        for await (const _t of seq.evaluate(prompts[k % prompts.length], { temperature: 0 })) if (++n >= maxTokens) break;
        tokens += n;
      }
    }));
    return (tokens / (performance.now() - t0)) * 1e3;
  };
  await run(C, C); // warm-up
  const c1 = await run(1, C), cC = await run(C, 4 * C);
  const cpu = (log.find((l) => /loaded CPU backend from/.test(l)) ?? "").replace(/.*\//, "").trim();
  await ctx.dispose();
  await m.dispose();
  return { c1, cC, cpu_backend: cpu };
}
