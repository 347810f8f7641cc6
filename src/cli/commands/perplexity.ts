import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { perplexity, type ChunkProgress, type PerplexityResult } from "../../eval/perplexity.js";
import { describeKvCache, kvBytesPerToken, parseKvType } from "../../kernels/kv-layer.js";
import { parseBackendName, selectBackend } from "../../kernels/select.js";
import { modelMemoryBytes } from "../model-memory-bytes.js";
import { loadModel } from "../../model/load-model.js";
import { loadTokenizer } from "../../tokenizer/load-tokenizer.js";

interface PerplexityCliOptions {
  model: string;
  file?: string;
  ctxSize: string;
  chunks?: string;
  batchSize?: string;
  klDivergenceBase?: string;
  klDivergence?: boolean;
  backend: string;
  threads?: string;
  kvType: string;
  json?: boolean;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${flag} ${value}: expected a positive integer`);
  return n;
}

/** `tsinfer perplexity`: llama-perplexity's numbers (and its --kl-divergence-base file format) from tsinfer. */
export function registerPerplexityCommand(program: Command): void {
  program
    .command("perplexity")
    .description("perplexity of a text as llama-perplexity computes it; KL divergence against a saved base run")
    .requiredOption("-m, --model <path>", "GGUF file or Hugging Face model directory")
    .option("-f, --file <text>", "the text to score (not needed with --kl-divergence: the base file holds the tokens)")
    .option("-c, --ctx-size <n>", "tokens per chunk", "512")
    .option("--chunks <n>", "score at most n chunks")
    .option("-b, --batch-size <n>", "tokens per forward pass (default: the chunk)")
    .option("--kl-divergence-base <file>", "save full-vocabulary log-probabilities here (or read them with --kl-divergence)")
    .option("--kl-divergence", "compare against the --kl-divergence-base file: mean KLD, percentiles, same top token")
    .option("--backend <name>", "kernel backend: auto, wasm or ref", "auto")
    .option("--threads <n>", "threads for the wasm backend")
    .option("--kv-type <type>", "KV cache element type: f32, f16 or q8_0", "f32")
    .option("--json", "print one JSON object with the results (with kvType and kvBytesPerToken)")
    .action(async (opts: PerplexityCliOptions) => perplexityCommand(opts));
}

async function perplexityCommand(opts: PerplexityCliOptions): Promise<void> {
  const nCtx = positiveInt("-c", opts.ctxSize);
  const compare = opts.klDivergence === true;
  if (compare && !opts.klDivergenceBase) throw new InputError("--kl-divergence needs --kl-divergence-base FILE (the base run's log-probabilities)");
  if (!compare && !opts.file) throw new InputError("-f FILE: the text to score is required");
  const threads = opts.threads !== undefined ? positiveInt("--threads", opts.threads) : undefined;
  const kvType = parseKvType(opts.kvType);
  const backend = await selectBackend({ backend: parseBackendName(opts.backend), ...(threads !== undefined ? { threads } : {}),
    memoryBytes: modelMemoryBytes(opts.model) }, availableParallelism());
  try {
    const model = loadModel(opts.model, { backend, maxBatchTokens: nCtx, kvType });
    const kvBytes = kvBytesPerToken(kvType, model.config.nLayers, model.config.nKvHeads * model.config.headDim);
    const tokenizer = loadTokenizer(opts.model);
    let tokens: Int32Array | null = null;
    if (!compare) {
      const started = performance.now();
      tokens = Int32Array.from(tokenizer.encode(readFileSync(opts.file!, "utf8"), { addSpecialTokens: true }));
      process.stderr.write(`perplexity: tokenized ${opts.file} into ${tokens.length} tokens in ${(performance.now() - started).toFixed(0)} ms\n`);
    }
    const result = await perplexity(model, tokens, {
      nCtx,
      bosId: tokenizer.addBos ? tokenizer.bosId : null,
      ...(opts.chunks !== undefined ? { maxChunks: positiveInt("--chunks", opts.chunks) } : {}),
      ...(opts.batchSize !== undefined ? { batchSize: positiveInt("-b", opts.batchSize) } : {}),
      ...(compare ? { compareBase: opts.klDivergenceBase! } : opts.klDivergenceBase ? { saveBase: opts.klDivergenceBase } : {}),
      onChunk: (p) => process.stderr.write(progressLine(p)),
    });
    process.stderr.write("\n");
    process.stdout.write(opts.json ? `${JSON.stringify({ ...result, kvType, kvBytesPerToken: kvBytes })}\n` : `${report(result)}KV cache: ${describeKvCache(kvType, kvBytes)}\n`);
  } finally {
    await (backend as { close?: () => Promise<void> }).close?.();
  }
}

function progressLine(p: ChunkProgress): string {
  if (!process.stderr.isTTY) return `[${p.chunk}]${p.ppl.toFixed(4)}${p.kld !== undefined ? `/${p.kld.toFixed(6)}` : ""},`;
  const eta = ((p.elapsedMs / p.chunk) * (p.nChunks - p.chunk)) / 1000;
  const kld = p.kld !== undefined ? ` KLD ${p.kld.toFixed(6)} same-top ${(100 * p.sameTop!).toFixed(2)} %` : "";
  return `\r[${p.chunk}/${p.nChunks}] PPL ${p.ppl.toFixed(4)}${kld}  ETA ${eta.toFixed(0)} s   `;
}

function report(r: PerplexityResult): string {
  const lines = [`${r.nChunks} chunks of ${r.nCtx} tokens, ${r.scoredTokens} tokens scored in ${(r.elapsedMs / 1000).toFixed(1)} s`];
  if (!r.kld) {
    lines.push(`Final estimate: PPL = ${r.ppl.toFixed(4)} +/- ${r.pplStderr.toFixed(5)}`);
    return `${lines.join("\n")}\n`;
  }
  const k = r.kld;
  const pm = (m: { mean: number; uncertainty: number }, digits: number, scale = 1): string => `${(scale * m.mean).toFixed(digits)} ± ${(scale * m.uncertainty).toFixed(digits)}`;
  lines.push(
    "====== Perplexity statistics ======",
    `Mean PPL(Q)                   : ${pm(k.pplQ, 6)}`,
    `Mean PPL(base)                : ${pm(k.pplBase, 6)}`,
    `Mean ln(PPL(Q)/PPL(base))     : ${pm(k.logPplRatio, 6)}`,
    "",
    "====== KL divergence statistics ======",
    `Mean    KLD: ${pm(k.kld, 6)}`,
    `Maximum KLD: ${k.kldMax.toFixed(6)}`,
    `99.9%   KLD: ${k.kld999.toFixed(6)}`,
    `99.0%   KLD: ${k.kld99.toFixed(6)}`,
    `Median  KLD: ${k.kldMedian.toFixed(6)}`,
    "",
    `RMS Δp    : ${pm(k.rmsDeltaP, 3, 100)} %`,
    `Same top p: ${pm(k.sameTop, 3, 100)} %`,
  );
  return `${lines.join("\n")}\n`;
}
