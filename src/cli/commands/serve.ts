import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { parseKvType } from "../../kernels/kv-layer.js";
import { parseBackendName, selectBackend } from "../../kernels/select.js";
import { startLoadingResponder } from "../../server/loading-responder.js";
import { loadServedModel } from "../../server/load-served-model.js";
import { readApiKeys } from "../../server/read-api-keys.js";
import { startServer } from "../../server/start-server.js";
import { resolveModelArg } from "../resolve-model-arg.js";

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
  apiKeyFile?: string;
  metricsPublic?: boolean;
  allowedHosts?: string;
  maxConnections: string;
  servedModelName?: string[];
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
    .option("-m, --model <path>", "GGUF file, Hugging Face directory or hf:org/repo[:QUANT]", builtInModel)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--port <port>", "port (0 = any free port)", "8080")
    .option("--parallel <n>", "most sequences in one step", "8")
    .option("--ctx-size <n>", "longest sequence (default: the model's context)")
    .option("--kv-cache-size <size>", "KV cache capacity, e.g. 64MB or 4096t (default: ctx-size × parallel tokens)")
    .option("--kv-type <type>", "KV cache element type: f32, f16 or q8_0", "f32")
    .option("--batch-tokens <n>", "token budget of one step (decode tokens + prompt chunks)", "128")
    .option("--max-queue <n>", "most requests waiting for a slot; more get 429", "64")
    .option("--api-key <key>", "require Authorization: Bearer <key> on every route but /health and /live (also: TSINFER_API_KEY, --api-key-file)")
    .option("--api-key-file <file>", "API keys, one per line")
    .option("--metrics-public", "serve /metrics without the API key")
    .option("--allowed-hosts <names>", "Host header names to answer, comma-separated, * for any (default: loopback names for a loopback bind, any for 0.0.0.0)")
    .option("--max-connections <n>", "most open connections", "512")
    .option("--served-model-name <names...>", "names clients use for the model (the first is reported; default: the file name)")
    .option("--chat-template <file>", "Jinja chat template overriding the model's")
    .option("--tokenizer <path>", "tokenizer.json, HF directory or GGUF (default: the model)")
    .option("--backend <name>", "kernels: auto, wasm or ref", "auto")
    .option("--threads <n>", "threads of the wasm backend")
    .option("--traces <n>", "keep a trace (prompt, output, timings) of the last n requests for /v1/traces/:id and the web UI's inspector; 0: off", "0")
    .option("--request-timeout <seconds>", "cancel a generation still running this long after it arrived (504 / SSE error event)")
    .option("--drain-timeout <seconds>", "on SIGTERM, how long running requests may finish before they are cut (and answered with an error)", "10")
    .action(async (flags: ServeFlags) => {
      const int = (name: string, v: string, min: number) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min) throw new InputError(`--${name} ${v}: expected an integer ≥ ${min}`);
        return n;
      };
      const apiKeys = readApiKeys(flags.apiKey, process.env.TSINFER_API_KEY, flags.apiKeyFile);
      const seconds = (name: string, v: string) => {
        const s = Number(v);
        if (!Number.isFinite(s) || s < 0) throw new InputError(`--${name} ${v}: expected a number of seconds ≥ 0`);
        return s * 1000;
      };
      const parallel = int("parallel", flags.parallel, 1);
      const drainTimeoutMs = seconds("drain-timeout", flags.drainTimeout);
      const batchTokens = int("batch-tokens", flags.batchTokens, 1);
      const serveOptions = {
        host: flags.host,
        port: int("port", flags.port, 0),
        parallel,
        maxBatchTokens: batchTokens,
        maxQueue: int("max-queue", flags.maxQueue, 0),
        apiKeys,
        traceCapacity: int("traces", flags.traces, 0),
        metricsPublic: flags.metricsPublic === true,
        ...(flags.allowedHosts !== undefined ? { allowedHosts: flags.allowedHosts } : {}),
        maxConnections: int("max-connections", flags.maxConnections, 1),
        requestTimeoutMs: flags.requestTimeout === undefined ? null : seconds("request-timeout", flags.requestTimeout) || null, // 0: none
      };
      // A Hub model is served under the name the user gave it (org/repo:QUANT), not its cache file's name.
      if (flags.model.startsWith("hf:") && flags.servedModelName === undefined) flags.servedModelName = [flags.model.slice(3)];
      // The port is open from the start: 503 "loading" until the model is in (see loading-responder.ts).
      const loading = await startLoadingResponder(serveOptions.host, serveOptions.port);
      console.error(`tsinfer serve: loading ${flags.model} (answering 503 on ${serveOptions.host}:${loading.port} until it is loaded)`);
      let served;
      let backend;
      try {
        const modelPath = await resolveModelArg(flags.model); // hf:… is pulled while the port answers 503
        backend = await selectBackend(
          { backend: parseBackendName(flags.backend), ...(flags.threads !== undefined ? { threads: int("threads", flags.threads, 1) } : {}) },
          availableParallelism(),
        );
        served = loadServedModel({
          backend,
          modelPath,
          parallel,
          maxBatchTokens: batchTokens,
          kvType: parseKvType(flags.kvType),
          ...(flags.ctxSize !== undefined ? { ctxSize: int("ctx-size", flags.ctxSize, 2) } : {}),
          ...(flags.kvCacheSize !== undefined ? { kvCacheSize: flags.kvCacheSize } : {}),
          ...(flags.chatTemplate !== undefined ? { chatTemplatePath: flags.chatTemplate } : {}),
          ...(flags.tokenizer !== undefined ? { tokenizerPath: flags.tokenizer } : {}),
          ...(flags.servedModelName !== undefined ? { servedModelNames: flags.servedModelName } : {}),
        });
      } catch (err) {
        await loading.close();
        throw err;
      }
      const server = await startServer(served, {
        ...serveOptions,
        port: loading.port,
        beforeListen: () => loading.close(),
        // The engine's state is unknown (e.g. its kernel pool could not be rebuilt): fail closed, exit non-zero.
        onFatal: (err) => {
          console.error(`tsinfer serve: the engine failed: ${err.message}; exiting`);
          void server.shutdown(0).finally(() => process.exit(1));
        },
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
