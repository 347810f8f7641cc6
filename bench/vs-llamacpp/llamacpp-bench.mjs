#!/usr/bin/env node
// Copied from /work/shared/peers/llamacpp_bench.mjs (the project's llama.cpp reference harness); only the
// node-llama-cpp version lookup was changed to this repository's node_modules, and --decode-prompt N (default: the
// first --prompts entry) sets the prompt length before the decode test (1 = llama-bench's tg from an empty context);
// cpu_tps fields give tokens per CPU-second of this process (all llama.cpp threads), robust to a loaded host.
// Prefill / decode / TTFT benchmark of llama.cpp through node-llama-cpp (prebuilt CPU binaries).
//
//   node llamacpp_bench.mjs --model ../work/models/smollm2-135m-q8_0.gguf [--threads 2]
//        [--prompts 128,512] [--gen 64] [--reps 3] [--ctx 2048] [--batch 512] [--flash auto|on|off]
//
// Prints ONE JSON line on stdout (logs go to stderr with --verbose).
//  prefill[N].tps      : N prompt tokens / wall time of sequence.evaluateWithoutGeneratingNewTokens (median of reps)
//  ttft_ms             : wall time from sequence.evaluate(prompt) call to the first generated token (prompt = first --prompts entry)
//  decode.tps          : (gen-1) / wall time between 1st and last generated token, greedy (temperature 0), after that prompt
//  *.native_tps        : the same phases as counted by llama.cpp itself (llama_perf_context "prompt eval" / "eval"),
//                        i.e. without the JS <-> native overhead of node-llama-cpp
// Prompt tokens are deterministic pseudo-random ids in [300, vocab-2), so no tokenizer is involved.
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import fs from "node:fs";
import os from "node:os";

const args = parseArgs(process.argv.slice(2), {
    model: null, threads: "2", prompts: "128,512", gen: "64", reps: "3", ctx: "2048", batch: "512",
    flash: "auto", seed: "1", verbose: false, warmup: "1", "decode-prompt": null
});
if (!args.model) {
    console.error("usage: node llamacpp_bench.mjs --model FILE.gguf [--threads 2] [--prompts 128,512] [--gen 64] [--reps 3]");
    process.exit(2);
}
const threads = +args.threads, gen = +args.gen, reps = +args.reps;
const prompts = String(args.prompts).split(",").map(Number);

// capture llama.cpp log lines (needed to read llama_perf_context_print output)
const logLines = [];
const llama = await getLlama({
    gpu: false, build: "never", maxThreads: threads,
    logLevel: LlamaLogLevel.debug,
    logger: (level, msg) => { logLines.push(msg); if (args.verbose) process.stderr.write(`[${level}] ${msg}\n`); }
});
const tLoad0 = performance.now();
const model = await llama.loadModel({modelPath: args.model});
const loadMs = performance.now() - tLoad0;
const nVocab = model.fileInsights.vocabularySize ?? model.fileInfo.metadata?.llama?.vocab_size;
const ctx = await model.createContext({
    contextSize: +args.ctx, batchSize: +args.batch, threads: {ideal: threads, min: threads},
    flashAttention: args.flash === "auto" ? "auto" : args.flash === "on", performanceTracking: true
});
const seq = ctx.getSequence();

let rng = +args.seed >>> 0;
const rand = () => { rng = (rng * 1664525 + 1013904223) >>> 0; return rng; };
const maxP = Math.max(...prompts);
const allPromptTokens = Array.from({length: maxP}, () => 300 + (rand() % (nVocab - 302)));

// --- llama_perf helpers: printTimings() logs cumulative counters; diff them around a phase
async function perfSnapshot() {
    const start = logLines.length;
    ctx.printTimings();
    for (let i = 0; i < 50 && !logLines.slice(start).some((l) => /total time/.test(l)); i++)
        await new Promise((r) => setTimeout(r, 2));
    const lines = logLines.slice(start).join("\n");
    const pe = /prompt eval time\s*=\s*([\d.]+) ms \/\s*(\d+) tokens/.exec(lines);
    const ev = /\beval time\s*=\s*([\d.]+) ms \/\s*(\d+) runs/.exec(lines.replace(/prompt eval time[^\n]*/, ""));
    return {pMs: pe ? +pe[1] : NaN, pN: pe ? +pe[2] : NaN, eMs: ev ? +ev[1] : NaN, eN: ev ? +ev[2] : NaN};
}
const diff = (a, b) => ({pMs: b.pMs - a.pMs, pN: b.pN - a.pN, eMs: b.eMs - a.eMs, eN: b.eN - a.eN});
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const r1 = (x) => Math.round(x * 10) / 10;

async function prefill(n) {
    await seq.clearHistory();
    const toks = allPromptTokens.slice(0, n);
    const a = await perfSnapshot();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(toks);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const d = diff(a, await perfSnapshot());
    return {ms, tps: n / ms * 1e3, native_tps: d.pN > 0 ? d.pN / d.pMs * 1e3 : NaN, cpu_tps: n / ((c.user + c.system) / 1e6)};
}

async function generate(nPrompt, nGen) {
    await seq.clearHistory();
    const toks = allPromptTokens.slice(0, nPrompt);
    const a = await perfSnapshot();
    const times = [], out = [];
    let c1 = null;
    const t0 = performance.now();
    for await (const t of seq.evaluate(toks, {temperature: 0})) {
        times.push(performance.now());
        if (out.length === 0) c1 = process.cpuUsage();
        out.push(t);
        if (out.length >= nGen) break;
    }
    const c = process.cpuUsage(c1);
    const d = diff(a, await perfSnapshot());
    return {
        cpu_decode_tps: (out.length - 1) / ((c.user + c.system) / 1e6),
        ttft_ms: times[0] - t0,
        decode_tps: (out.length - 1) / (times[times.length - 1] - times[0]) * 1e3,
        native_decode_tps: d.eN > 0 ? d.eN / d.eMs * 1e3 : NaN,
        native_prompt_tps: d.pN > 0 ? d.pN / d.pMs * 1e3 : NaN,
        n: out.length, tokens: out
    };
}

const load0 = os.loadavg();
const cpu0 = procStat(), own0 = process.cpuUsage();
for (let i = 0; i < +args.warmup; i++) { await prefill(Math.min(64, maxP)); await generate(8, 4); }

const res = {};
for (const n of prompts) {
    const runs = [];
    for (let r = 0; r < reps; r++) runs.push(await prefill(n));
    res[n] = {tps: r1(median(runs.map((x) => x.tps))), native_tps: r1(median(runs.map((x) => x.native_tps))),
        cpu_tps: r1(median(runs.map((x) => x.cpu_tps))),
        tps_runs: runs.map((x) => r1(x.tps))};
}
const gens = [];
const decodePrompt = args["decode-prompt"] !== null ? +args["decode-prompt"] : prompts[0];
for (let r = 0; r < reps; r++) gens.push(await generate(decodePrompt, gen));

const nlcVersion = JSON.parse(fs.readFileSync(new URL("../../node_modules/node-llama-cpp/package.json", import.meta.url))).version;
const cpuLib = (logLines.find((l) => /loaded CPU backend from/.test(l)) || "").replace(/.*\//, "").trim();
const repack = logLines.filter((l) => /CPU_REPACK/.test(l)).map((l) => l.trim()).slice(0, 3);
const faLog = logLines.filter((l) => /flash.?attn|Flash Attention/i.test(l)).map((l) => l.trim()).slice(-2);
const out = {
    engine: "node-llama-cpp", version: nlcVersion, llama_cpp_release: llama.llamaCppRelease?.release,
    cpu_backend: cpuLib, model: fs.realpathSync(args.model), file_mib: r1(fs.statSync(args.model).size / 2 ** 20),
    desc: model.typeDescription, params: model.trainContextSize ? undefined : undefined,
    threads, ctx_threads: ctx.currentThreads, batch: ctx.batchSize, flash_attention: ctx.flashAttention,
    load_ms: Math.round(loadMs),
    prefill: res,
    ttft_ms: {prompt: prompts[0], median: r1(median(gens.map((g) => g.ttft_ms))), runs: gens.map((g) => r1(g.ttft_ms))},
    decode: {prompt: decodePrompt, gen, tps: r1(median(gens.map((g) => g.decode_tps))),
        native_tps: r1(median(gens.map((g) => g.native_decode_tps))), cpu_tps: r1(median(gens.map((g) => g.cpu_decode_tps))), tps_runs: gens.map((g) => r1(g.decode_tps))},
    first_tokens: gens[0].tokens.slice(0, 8),
    repack_log: repack, flash_attn_log: faLog,
    loadavg_before: load0.map(r1), loadavg_after: os.loadavg().map(r1),
    other_cpu_pct: otherCpuPct(cpu0, procStat(), own0, process.cpuUsage()),
    node: process.version, date: new Date().toISOString()
};
delete out.params;
console.log(JSON.stringify(out));
await ctx.dispose(); await model.dispose(); await llama.dispose();

// % of one CPU used by OTHER processes during the measurement (from /proc/stat minus this process's own usage)
function procStat() {
    const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + f[4], total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return {busy: total - idle, total, t: performance.now()};
}
function otherCpuPct(a, b, o0, o1) {
    const hz = 100; // USER_HZ
    const busyS = (b.busy - a.busy) / hz;
    const ownS = (o1.user - o0.user + o1.system - o0.system) / 1e6;
    const wallS = (b.t - a.t) / 1e3;
    return Math.round(Math.max(0, busyS - ownS) / wallS * 100);
}

function parseArgs(argv, defs) {
    const o = {...defs};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) continue;
        const k = a.slice(2);
        if (typeof defs[k] === "boolean") o[k] = true;
        else o[k] = argv[++i];
    }
    return o;
}
