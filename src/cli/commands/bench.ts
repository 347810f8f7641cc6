import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import type { KernelBackend } from "../../kernels/backend.js";
import { describeKvCache, kvBytesPerToken, parseKvType, type KvType } from "../../kernels/kv-layer.js";
import { parseBackendName, selectBackend } from "../../kernels/select.js";
import { modelMemoryBytes } from "../model-memory-bytes.js";
import { measureReadBandwidth } from "../../kernels/wasm/bandwidth-probe.js";
import { WasmBackend } from "../../kernels/wasm/wasm-backend.js";
import { loadModel, type Model } from "../../model/load-model.js";
import { sequenceBatch } from "../../model/sequence-batch.js";
import { resolveModelArg } from "../resolve-model-arg.js";

export interface BenchOptions {
  model: string;
  /** Prompt tokens of the prefill test (pp); 0 = skip. */
  promptTokens: number;
  /** Generated tokens of the decode test (tg); 0 = skip. */
  genTokens: number;
  reps: number;
  backend?: "auto" | "ref" | "wasm";
  threads?: number;
  /** KV cache element type (default f32). */
  kvType?: KvType;
  /** The wasm kernels' address width (default "auto": memory64 only for a model past 4 GiB). */
  memory64?: boolean | "auto";
}

export interface MeanStd {
  mean: number;
  std: number;
  samples: number[];
}

export interface BenchResult {
  model: string;
  backend: string;
  simd: string | null;
  /** The wasm kernel build that ran, as build/kernels-<name>.wasm: simd, relaxed, simd64 or relaxed64 (memory64). */
  kernelBuild: string | null;
  threads: number;
  /** tokensPerSec: over wall time; tokensPerCpuSec: over the process's CPU time (all threads), which a shared,
   * overloaded host distorts far less. */
  pp: { nTokens: number; tokensPerSec: MeanStd; tokensPerCpuSec: MeanStd } | null;
  tg: { nTokens: number; tokensPerSec: MeanStd; tokensPerCpuSec: MeanStd } | null;
  /** Matrix bytes a decode step reads: every stored tensor but the embedding table (unless it is also the output). */
  weightBytesPerToken: number;
  /** weightBytesPerToken × decode tokens/s. */
  decodeBytesPerSec: number | null;
  /** The read-bandwidth probe's measurement with the same threads (wasm backend only). */
  probeBytesPerSec: number | null;
  /** The KV cache's element type and the bytes it holds per cached token. */
  kvType: KvType;
  kvBytesPerToken: number;
  machine: { cpu: string; cores: number; memBytes: number; node: string };
  commit: string | null;
  date: string;
}

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description("prefill (pp) and decode (tg, from an empty context) tokens/s, mean ± std after a warm-up, as llama-bench")
    .requiredOption("-m, --model <path>", "GGUF file, Hugging Face directory or hf:org/repo[:QUANT]")
    .option("-p, --n-prompt <n>", "prompt tokens for the prefill test (0 = skip)", "512")
    .option("-n, --n-gen <n>", "tokens to generate in the decode test (0 = skip)", "128")
    .option("-t, --threads <n>", "threads for the wasm backend (default: what select.ts finds fastest here)")
    .option("--reps <n>", "repetitions of each test", "5")
    .option("--backend <name>", "kernel backend: auto, wasm or ref", "auto")
    .option("--kv-type <type>", "KV cache element type: f32, f16 or q8_0", "f32")
    .option("--memory64 <mode>", "wasm kernels with 64-bit addresses: auto (only for a model past 4 GiB), on or off", "auto")
    .option("--json", "print one JSON object instead of a table")
    .action(async (o: { model: string; nPrompt: string; nGen: string; threads?: string; reps: string; backend: string; kvType: string; memory64: string; json?: boolean }) => {
      o.model = await resolveModelArg(o.model);
      if (!existsSync(o.model)) throw new InputError(`--model ${o.model}: no such file or directory`);
      const result = await runBench({
        model: o.model,
        promptTokens: count("--n-prompt", o.nPrompt, 0),
        genTokens: count("--n-gen", o.nGen, 0),
        reps: count("--reps", o.reps, 1),
        backend: parseBackendName(o.backend),
        kvType: parseKvType(o.kvType),
        memory64: parseMemory64(o.memory64),
        ...(o.threads !== undefined ? { threads: count("--threads", o.threads, 1) } : {}),
      });
      process.stdout.write(o.json ? `${JSON.stringify(result)}\n` : formatBench(result));
    });
}

function parseMemory64(value: string): boolean | "auto" {
  if (value === "auto") return "auto";
  if (value === "on" || value === "off") return value === "on";
  throw new InputError(`--memory64: expected auto, on or off, got "${value}"`);
}

function count(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(`${flag}: expected an integer ≥ ${min}, got "${value}"`);
  return n;
}

/** Loads the model once, then times `reps` prefill and decode runs after one warm-up run of each. */
export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const backend = await selectBackend({
    backend: opts.backend ?? "auto",
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.memory64 !== undefined ? { memory64: opts.memory64 } : {}),
    memoryBytes: modelMemoryBytes(opts.model),
  }, availableParallelism());
  try {
    const kvType = opts.kvType ?? "f32";
    const model = loadModel(opts.model, { backend, maxBatchTokens: Math.max(1, opts.promptTokens), kvType });
    const vocab = model.config.vocabSize;
    // Fixed pseudo-random token ids (llama-bench also feeds arbitrary tokens; content does not change the cost).
    const ids = Array.from({ length: Math.max(opts.promptTokens, 1) }, (_, i) => 1 + ((i * 7919 + 13) % (vocab - 1)));
    let pp: BenchResult["pp"] = null;
    let tg: BenchResult["tg"] = null;
    // Warm-up: a short prefill and a few decode steps compile and tune every kernel and fault in the weights.
    await prefillSeconds(model, ids, Math.min(Math.max(opts.promptTokens, 1), 32));
    await decodeSeconds(model, ids[0]!, 4);
    if (opts.promptTokens > 0) {
      const samples = await repeat(opts.reps, () => timed(() => prefillSeconds(model, ids, opts.promptTokens)));
      pp = rates(opts.promptTokens, samples);
    }
    if (opts.genTokens > 0) {
      const samples = await repeat(opts.reps, () => timed(() => decodeSeconds(model, ids[0]!, opts.genTokens)));
      tg = rates(opts.genTokens, samples);
    }
    const weightBytesPerToken = decodeWeightBytes(model);
    const probeBytesPerSec = backend instanceof WasmBackend ? measureReadBandwidth(backend) : null;
    return {
      model: opts.model,
      backend: backend.name,
      simd: backend instanceof WasmBackend ? backend.simdLevel : null,
      kernelBuild: backend instanceof WasmBackend ? backend.kernelBuild : null,
      threads: backend instanceof WasmBackend ? backend.threads : 1,
      pp, tg, weightBytesPerToken,
      decodeBytesPerSec: tg ? weightBytesPerToken * tg.tokensPerSec.mean : null,
      probeBytesPerSec,
      kvType,
      kvBytesPerToken: kvBytesPerToken(kvType, model.config.nLayers, model.config.nKvHeads * model.config.headDim),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: availableParallelism(), memBytes: totalmem(), node: process.version },
      commit: gitCommit(),
      date: new Date().toISOString(),
    };
  } finally {
    await closeBackend(backend);
  }
}

/** `reps` timed runs one after another (after the caller's warm-up). */
async function repeat<T>(reps: number, run: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < reps; i++) out.push(await run());
  return out;
}

/** Wall seconds (as the run measures them) and the process's CPU seconds over the run. */
async function timed(run: () => Promise<number>): Promise<{ wallSec: number; cpuSec: number }> {
  const c0 = process.cpuUsage();
  const wallSec = await run();
  const c = process.cpuUsage(c0);
  return { wallSec, cpuSec: (c.user + c.system) / 1e6 };
}

function rates(nTokens: number, samples: { wallSec: number; cpuSec: number }[]): NonNullable<BenchResult["pp"]> {
  return {
    nTokens,
    tokensPerSec: meanStd(samples.map((s) => nTokens / s.wallSec)),
    tokensPerCpuSec: meanStd(samples.map((s) => nTokens / s.cpuSec)),
  };
}

async function prefillSeconds(model: Model, ids: number[], n: number): Promise<number> {
  const kv = model.createKvStore({ ctxLen: n });
  const t0 = performance.now();
  await model.forward(sequenceBatch(ids, 0, n, 0, "last"), kv);
  return (performance.now() - t0) / 1000;
}

async function decodeSeconds(model: Model, first: number, n: number): Promise<number> {
  const kv = model.createKvStore({ ctxLen: n + 1 });
  const seq = new Array<number>(n + 1).fill(first);
  const vocab = model.config.vocabSize;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const logits = await model.forward(sequenceBatch(seq, i, i + 1, 0, "last"), kv);
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits[v]! > logits[best]!) best = v;
    seq[i + 1] = best;
  }
  return (performance.now() - t0) / 1000;
}

function decodeWeightBytes(model: Model): number {
  const tensors = model.file.kind === "gguf" ? model.file.gguf.tensors : model.file.hf.tensors;
  const hasOutput = tensors.some((t) => t.name === "output.weight" || t.name === "lm_head.weight");
  let bytes = 0;
  for (const t of tensors) {
    const isEmbedding = t.name === "token_embd.weight" || t.name.endsWith("embed_tokens.weight");
    if (!isEmbedding || !hasOutput) bytes += t.sizeBytes;
  }
  return bytes;
}

function meanStd(samples: number[]): MeanStd {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const variance = samples.length > 1 ? samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), samples };
}

function gitCommit(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

async function closeBackend(backend: KernelBackend): Promise<void> {
  if (backend instanceof WasmBackend) await backend.close();
}

export function formatBench(r: BenchResult): string {
  const fmt = (m: MeanStd): string => `${m.mean.toFixed(2)} ± ${m.std.toFixed(2)}`;
  const gb = (b: number): string => `${(b / 1e9).toFixed(2)} GB/s`;
  const lines = [
    `model: ${r.model}`,
    `backend: ${r.backend}${r.kernelBuild ? ` (${r.kernelBuild})` : ""}, threads: ${r.threads}, ${r.machine.cpu}, node ${r.machine.node}`,
    `KV cache: ${describeKvCache(r.kvType, r.kvBytesPerToken)}`,
    "| test | tokens/s | tokens per CPU-second |",
    "|---|---|---|",
  ];
  if (r.pp) lines.push(`| pp${r.pp.nTokens} | ${fmt(r.pp.tokensPerSec)} | ${fmt(r.pp.tokensPerCpuSec)} |`);
  if (r.tg) lines.push(`| tg${r.tg.nTokens} | ${fmt(r.tg.tokensPerSec)} | ${fmt(r.tg.tokensPerCpuSec)} |`);
  if (r.decodeBytesPerSec !== null) {
    const share = r.probeBytesPerSec ? ` = ${((100 * r.decodeBytesPerSec) / r.probeBytesPerSec).toFixed(0)}% of the probe's ${gb(r.probeBytesPerSec)}` : "";
    lines.push(`decode reads ${(r.weightBytesPerToken / 1e6).toFixed(1)} MB of weights per token: ${gb(r.decodeBytesPerSec)}${share}`);
  }
  return `${lines.join("\n")}\n`;
}
