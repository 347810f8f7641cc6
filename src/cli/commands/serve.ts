import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { parseKvType } from "../../kernels/kv-layer.js";
import { parseBackendName, selectBackend } from "../../kernels/select.js";
import { loadServedModel } from "../../server/load-served-model.js";
import { startServer } from "../../server/start-server.js";

interface ServeFlags {
  model: string;
  host: string;
  port: string;
  parallel: string;
  ctxSize?: string;
  kvCacheSize?: string;
  kvType: string;
  batchTokens: string;
  maxQueue: string;
  apiKey?: string;
  chatTemplate?: string;
  tokenizer?: string;
  traces: string;
  backend: string;
  threads?: string;
  requestTimeout?: string;
  drainTimeout: string;
}

const builtInModel = fileURLToPath(new URL("../../../models/stories-7m/stories-7m-f16.gguf", import.meta.url));

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("OpenAI-compatible HTTP server with continuous batching, prefix caching and Prometheus metrics")
    .option("-m, --model <path>", "GGUF file or Hugging Face directory", builtInModel)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--port <port>", "port (0 = any free port)", "8080")
    .option("--parallel <n>", "most sequences in one step", "8")
    .option("--ctx-size <n>", "longest sequence (default: the model's context)")
    .option("--kv-cache-size <size>", "KV cache capacity, e.g. 64MB or 4096t (default: ctx-size × parallel tokens)")
    .option("--kv-type <type>", "KV cache element type: f32, f16 or q8_0", "f32")
    .option("--batch-tokens <n>", "token budget of one step (decode tokens + prompt chunks)", "128")
    .option("--max-queue <n>", "most requests waiting for a slot; more get 429", "64")
    .option("--api-key <key>", "require Authorization: Bearer <key> on /v1/*")
    .option("--chat-template <file>", "Jinja chat template overriding the model's")
    .option("--tokenizer <path>", "tokenizer.json, HF directory or GGUF (default: the model)")
    .option("--backend <name>", "kernels: auto, wasm or ref", "auto")
    .option("--threads <n>", "threads of the wasm backend")
    .option("--traces <n>", "how many recent requests keep a trace for /v1/traces/:id", "100")
    .option("--request-timeout <seconds>", "cancel a generation still running this long after it arrived (504 / SSE error event)")
    .option("--drain-timeout <seconds>", "on SIGTERM, how long running requests may finish before they are cut (and answered with an error)", "10")
    .action(async (flags: ServeFlags) => {
      const int = (name: string, v: string, min: number) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min) throw new InputError(`--${name} ${v}: expected an integer ≥ ${min}`);
        return n;
      };
      const seconds = (name: string, v: string) => {
        const s = Number(v);
        if (!Number.isFinite(s) || s < 0) throw new InputError(`--${name} ${v}: expected a number of seconds ≥ 0`);
        return s * 1000;
      };
      const parallel = int("parallel", flags.parallel, 1);
      const drainTimeoutMs = seconds("drain-timeout", flags.drainTimeout);
      const batchTokens = int("batch-tokens", flags.batchTokens, 1);
      const backend = await selectBackend(
        { backend: parseBackendName(flags.backend), ...(flags.threads !== undefined ? { threads: int("threads", flags.threads, 1) } : {}) },
        availableParallelism(),
      );
      const served = loadServedModel({
        backend,
        modelPath: flags.model,
        parallel,
        maxBatchTokens: batchTokens,
        kvType: parseKvType(flags.kvType),
        ...(flags.ctxSize !== undefined ? { ctxSize: int("ctx-size", flags.ctxSize, 2) } : {}),
        ...(flags.kvCacheSize !== undefined ? { kvCacheSize: flags.kvCacheSize } : {}),
        ...(flags.chatTemplate !== undefined ? { chatTemplatePath: flags.chatTemplate } : {}),
        ...(flags.tokenizer !== undefined ? { tokenizerPath: flags.tokenizer } : {}),
      });
      const server = await startServer(served, {
        host: flags.host,
        port: int("port", flags.port, 0),
        parallel,
        maxBatchTokens: batchTokens,
        maxQueue: int("max-queue", flags.maxQueue, 0),
        apiKey: flags.apiKey ?? null,
        traceCapacity: int("traces", flags.traces, 1),
        requestTimeoutMs: flags.requestTimeout === undefined ? null : seconds("request-timeout", flags.requestTimeout) || null, // 0: none
      });
      const m = served.model;
      console.error(`tsinfer serve: ${served.id} (${backend.name} kernels, ctx ${m.ctxLen}, ${m.numBlocks} KV blocks × ${m.blockSize} tokens, parallel ${parallel}, ${batchTokens} tokens/step, KV ${flags.kvType}) listening on ${server.url}`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`tsinfer serve: ${signal}: finishing running requests`);
        void server.shutdown(drainTimeoutMs).then(() => process.exit(0));
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    });
}
