import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { formatSummary } from "../../server/bench/bench-summary.js";
import { DEFAULT_BENCH_PROMPTS, runBenchServe } from "../../server/bench/run-bench-serve.js";

interface BenchServeFlags {
  baseUrl: string;
  model: string;
  numPrompts: string;
  concurrency: string;
  requestRate: string;
  maxTokens: string;
  endpoint: string;
  promptFile?: string;
  ignoreEos: boolean;
  temperature: string;
  seed: string;
  apiKey?: string;
  json: boolean;
}

export function registerBenchServeCommand(program: Command): void {
  program
    .command("bench-serve")
    .description("benchmark an OpenAI-compatible server: TTFT, TPOT, ITL, E2EL (mean/median/p99) and throughput")
    .option("--base-url <url>", "server base URL", "http://127.0.0.1:8080")
    .option("--model <name>", "model name to send", "default")
    .option("--num-prompts <n>", "number of requests", "32")
    .option("--concurrency <n>", "most requests in flight", "8")
    .option("--request-rate <r>", "requests per second (Poisson arrivals), or inf", "inf")
    .option("--max-tokens <n>", "max_tokens of each request", "64")
    .option("--endpoint <kind>", "completions or chat", "completions")
    .option("--prompt-file <file>", "prompts, one per line (default: built-in story openings)")
    .option("--ignore-eos", "ask the server to ignore EOS (vLLM / tsinfer extension) for fixed-length outputs", false)
    .option("--temperature <t>", "sampling temperature", "0")
    .option("--seed <n>", "seed of the arrival times", "0")
    .option("--api-key <key>", "bearer token")
    .option("--json", "print the summary as JSON", false)
    .action(async (flags: BenchServeFlags) => {
      const int = (name: string, v: string, min: number) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min) throw new InputError(`--${name} = ${v}: expected an integer ≥ ${min}`);
        return n;
      };
      const rate = flags.requestRate === "inf" ? Infinity : Number(flags.requestRate);
      if (!(rate > 0)) throw new InputError(`--request-rate = ${flags.requestRate}: expected a positive number or inf`);
      if (flags.endpoint !== "completions" && flags.endpoint !== "chat") throw new InputError(`--endpoint = ${flags.endpoint}: expected completions or chat`);
      const prompts = flags.promptFile ? readFileSync(flags.promptFile, "utf8").split("\n").filter((l) => l.trim().length > 0) : DEFAULT_BENCH_PROMPTS;
      if (prompts.length === 0) throw new InputError(`--prompt-file ${flags.promptFile}: no prompts`);
      const { summary } = await runBenchServe({
        baseUrl: flags.baseUrl,
        model: flags.model,
        apiKey: flags.apiKey ?? null,
        endpoint: flags.endpoint,
        prompts,
        numPrompts: int("num-prompts", flags.numPrompts, 1),
        concurrency: int("concurrency", flags.concurrency, 1),
        requestRate: rate,
        maxTokens: int("max-tokens", flags.maxTokens, 1),
        ignoreEos: flags.ignoreEos,
        temperature: Number(flags.temperature),
        seed: int("seed", flags.seed, 0),
        onProgress: (done, total) => process.stderr.write(`\rbench-serve: ${done}/${total} requests${done === total ? "\n" : ""}`),
      });
      process.stdout.write((flags.json ? JSON.stringify(summary, null, 2) : formatSummary(summary)) + "\n");
      if (summary.completed === 0) process.exitCode = 1;
    });
}
