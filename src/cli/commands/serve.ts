import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { parseKvType } from "../../kernels/kv-layer.js";
import { parseBackendName, selectBackend } from "../../kernels/select.js";
import { parseCorsOrigins } from "../../server/cors-policy.js";
import { LOG_LEVELS } from "../../server/create-app.js";
import { startLoadingResponder } from "../../server/loading-responder.js";
import { ApiError } from "../../server/api-error.js";
import { readApiKeys } from "../../server/read-api-keys.js";
import { startServer } from "../../server/start-server.js";
import { readChatTemplateFile } from "../../chat/chat-template-loader.js";
import type { RunningServer } from "../../server/start-server.js";
import { modelArgs } from "../serve/model-args.js";
import { parseByteSize } from "../serve/parse-byte-size.js";
import { parseKeepAlive } from "../serve/parse-keep-alive.js";
import { serveModelSource } from "../serve/serve-model-source.js";

interface ServeFlags {
  model: string[];
  modelsDir?: string;
  keepAlive?: string;
  maxMemory?: string;
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
  corsOrigin?: string[];
  logLevel: string;
  maxConnections: string;
  servedModelName?: string[];
  chatTemplate?: string;
  chatTemplateFile?: string;
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
    .option("-m, --model <[name=]path>", "GGUF file, Hugging Face directory or hf:org/repo[:QUANT], optionally named (repeatable: several models; default: the bundled stories-7m)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--models-dir <dir>", "serve every GGUF file and Hugging Face model directory in dir (named after the file or directory)")
    .option("--keep-alive <duration>", "unload a model idle this long: 5m, 30s, 0 (at once), -1 (never) (default: 5m with several models, never with one)")
    .option("--max-memory <size>", "most memory the loaded models hold together, e.g. 8GiB: least recently used idle models are unloaded first")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--port <port>", "port (0 = any free port)", "8080")
    .option("--parallel <n>", "most sequences in one step", "8")
    .option("--ctx-size <n>", "longest sequence (default: the model's context, fitted to the free memory)")
    .option("--kv-cache-size <size>", "KV cache capacity, e.g. 64MB or 4096t (default: ctx-size × parallel tokens)")
    .option("--kv-type <type>", "KV cache element type: f32, f16 or q8_0", "f32")
    .option("--batch-tokens <n>", "token budget of one step (decode tokens + prompt chunks)", "128")
    .option("--max-queue <n>", "most requests waiting for a slot; more get 429", "64")
    .option("--api-key <key>", "require Authorization: Bearer <key> on every route but /health and /live (also: TSINFER_API_KEY, --api-key-file)")
    .option("--api-key-file <file>", "API keys, one per line")
    .option("--metrics-public", "serve /metrics without the API key")
    .option("--allowed-hosts <names>", "Host header names to answer, comma-separated, * for any (default: loopback names for a loopback bind, any for 0.0.0.0)")
    .option("--cors-origin <origins>", "web origins allowed to call the API from a browser (repeatable or comma-separated, * for any; default: none, no CORS headers)", (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option("--log-level <level>", `server log on stdout: ${LOG_LEVELS.join(", ")} (debug lists ignored request fields)`, "silent")
    .option("--max-connections <n>", "most open connections", "512")
    .option("--served-model-name <names...>", "names clients use for the model (the first is reported; default: the file name); with several -m, one per model in order")
    .option("--chat-template-file <file>", "Jinja chat template (or a tokenizer_config.json holding one) replacing the model's, e.g. for tool calling")
    .option("--chat-template <file>", "the same as --chat-template-file")
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
      const chatTemplatePath = flags.chatTemplateFile ?? flags.chatTemplate;
      if (chatTemplatePath !== undefined) readChatTemplateFile(chatTemplatePath); // a bad file fails before the model loads
      const cors = parseCorsOrigins(flags.corsOrigin ?? []);
      const logLevel = LOG_LEVELS.find((l) => l === flags.logLevel);
      if (logLevel === undefined) throw new InputError(`--log-level ${flags.logLevel}: expected one of ${LOG_LEVELS.join(", ")}`);
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
        cors,
        logLevel,
        maxConnections: int("max-connections", flags.maxConnections, 1),
        requestTimeoutMs: flags.requestTimeout === undefined ? null : seconds("request-timeout", flags.requestTimeout) || null, // 0: none
      };
      const args = modelArgs(flags.model.length > 0 || flags.modelsDir !== undefined ? flags.model : [builtInModel], flags.modelsDir, flags.servedModelName);
      if (args.length > 1 && (flags.tokenizer !== undefined || chatTemplatePath !== undefined))
        throw new InputError("--tokenizer and --chat-template-file apply to one model; with several, keep each model's tokenizer and template beside it");
      const shared = {
        parallel,
        maxBatchTokens: batchTokens,
        kvType: parseKvType(flags.kvType),
        ...(flags.ctxSize !== undefined ? { ctxSize: int("ctx-size", flags.ctxSize, 2) } : {}),
        ...(flags.kvCacheSize !== undefined ? { kvCacheSize: flags.kvCacheSize } : {}),
        ...(chatTemplatePath !== undefined ? { chatTemplatePath } : {}),
        ...(flags.tokenizer !== undefined ? { tokenizerPath: flags.tokenizer } : {}),
      };
      const backendChoice = { backend: parseBackendName(flags.backend), ...(flags.threads !== undefined ? { threads: int("threads", flags.threads, 1) } : {}) };
      let backendName = "";
      const newBackend = async (memoryBytes: number) => {
        const backend = await selectBackend({ ...backendChoice, memoryBytes }, availableParallelism());
        backendName = backend.name;
        return backend;
      };
      // With one model it stays loaded (as llama-server and vLLM keep theirs); with several, ollama's 5 minutes.
      const keepAliveMs = flags.keepAlive !== undefined ? parseKeepAlive(flags.keepAlive) : args.length > 1 ? 5 * 60_000 : null;
      const maxMemoryBytes = flags.maxMemory !== undefined ? parseByteSize("--max-memory", flags.maxMemory) : null;
      const sources = args.map((a) => serveModelSource(a, shared, newBackend, maxMemoryBytes));
      // The port is open from the start: 503 "loading" until the first model is in (see loading-responder.ts).
      const loading = await startLoadingResponder(serveOptions.host, serveOptions.port, cors);
      console.error(`tsinfer serve: loading ${args[0].path} (answering 503 on ${serveOptions.host}:${loading.port} until it is loaded)`);
      let server: RunningServer;
      try {
        server = await startServer(sources, {
          ...serveOptions,
          port: loading.port,
          keepAliveMs,
          maxMemoryBytes,
          log: (line) => console.error(`tsinfer serve: ${line}`),
          beforeListen: () => loading.close(),
          // The engine's state is unknown (e.g. its kernel pool could not be rebuilt): fail closed, exit non-zero.
          onFatal: (err) => {
            console.error(`tsinfer serve: the engine failed: ${err.message}; exiting`);
            void server.shutdown(0).finally(() => process.exit(1));
          },
        });
      } catch (err) {
        await loading.close().catch(() => undefined);
        throw err instanceof ApiError ? new InputError(err.message) : err;
      }
      const first = server.ctx.models.slots[0].loaded?.served;
      const others = args.length > 1 ? ` and ${args.length - 1} more model(s) loaded on first use (keep-alive ${flags.keepAlive ?? "5m"}${maxMemoryBytes !== null ? `, max memory ${flags.maxMemory}` : ""})` : "";
      const m = first?.model;
      console.error(
        `tsinfer serve: ${args[0].names[0]} (${backendName} kernels, ctx ${m?.ctxLen ?? "?"}, ${m?.numBlocks ?? "?"} KV blocks × ${m?.blockSize ?? "?"} tokens, parallel ${parallel}, ${batchTokens} tokens/step, KV ${flags.kvType})${others} listening on ${server.url}`,
      );
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
