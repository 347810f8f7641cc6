import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { generate } from "../../engine/generate.js";
import { InputError, TsinferError } from "../../errors.js";
import type { GrammarSpec } from "../../grammar/grammar-spec.js";
import { describeKvCache, kvBytesPerToken, parseKvType } from "../../kernels/kv-layer.js";
import { parseBackendName, selectBackend } from "../../kernels/select.js";
import { modelMemoryBytes } from "../model-memory-bytes.js";
import { loadModel } from "../../model/load-model.js";
import type { Tokenizer } from "../../tokenizer/tokenizer.js";
import { readChatTemplateFile } from "../../chat/chat-template-loader.js";
import { loadTokenizer } from "../../tokenizer/load-tokenizer.js";
import { conversationPrompt, noTemplateWarning } from "../chat/conversation-prompt.js";
import { fittedCtxSize } from "../fitted-ctx-size.js";
import { formatTimings } from "../format-timings.js";
import { resolveModelArg } from "../resolve-model-arg.js";

/** The bundled model, found from this file's place in the package (src/cli/commands or dist/cli/commands). */
export const bundledModelPath = fileURLToPath(new URL("../../../models/stories-7m/stories-7m-f16.gguf", import.meta.url));

interface RunOptions {
  model?: string;
  tokenizer?: string;
  prompt: string;
  maxTokens: string;
  temp: string;
  topK: string;
  topP: string;
  minP: string;
  seed?: string;
  repeatPenalty: string;
  repeatLastN: string;
  presencePenalty: string;
  frequencyPenalty: string;
  stop: string[];
  ctxSize?: string;
  chat?: boolean;
  chatTemplateFile?: string;
  json?: boolean;
  backend: string;
  threads?: string;
  kvType: string;
  jsonSchema?: string;
  grammar?: string;
}

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("generate text from a prompt, streamed to stdout; timings on stderr")
    .option("-m, --model <path>", "GGUF file, Hugging Face directory or hf:org/repo[:QUANT] (default: the bundled stories-7m)")
    .option("--tokenizer <path>", "tokenizer.json or its directory, when the model file holds no usable tokenizer")
    .requiredOption("-p, --prompt <text>", "the prompt")
    .option("-n, --max-tokens <n>", "most tokens to generate", "128")
    .option("--temp <t>", "temperature (0 = greedy)", "0.8")
    .option("--top-k <k>", "keep the k most likely tokens (0 = off)", "40")
    .option("--top-p <p>", "nucleus sampling (1 = off)", "0.95")
    .option("--min-p <p>", "drop tokens below p × the top probability (0 = off)", "0.05")
    .option("--seed <n>", "random seed (default: random)")
    .option("--repeat-penalty <x>", "repetition penalty over the last --repeat-last-n tokens (1 = off)", "1")
    .option("--repeat-last-n <n>", "window of the repetition penalty (-1 = whole context)", "64")
    .option("--presence-penalty <x>", "OpenAI presence penalty", "0")
    .option("--frequency-penalty <x>", "OpenAI frequency penalty", "0")
    .option("--stop <text>", "stop before this text (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--ctx-size <n>", "context length (default: the model's)")
    .option("--chat", "apply the model's chat template to the prompt as a user message")
    .option("--chat-template-file <file>", "with --chat: a Jinja chat template (or a tokenizer_config.json holding one) replacing the model's")
    .option("--json", "print one JSON object {text, promptTokens, tokens, timings} instead of streaming")
    .option("--backend <name>", "kernel backend: auto, wasm or ref", "auto")
    .option("--threads <n>", "threads for the wasm backend")
    .option("--kv-type <type>", "KV cache element type: f32, f16 or q8_0", "f32")
    .option("--json-schema <file>", "constrain the output to JSON valid under this JSON Schema (docs/structured-output.md)")
    .option("--grammar <file>", "constrain the output to this GBNF grammar (root rule: root)")
    .action(async (opts: RunOptions) => runCommand(opts));
}

async function runCommand(opts: RunOptions): Promise<void> {
  const sampling = {
    temperature: num("--temp", opts.temp),
    topK: int("--top-k", opts.topK),
    topP: num("--top-p", opts.topP),
    minP: num("--min-p", opts.minP),
    repeatPenalty: num("--repeat-penalty", opts.repeatPenalty),
    repeatLastN: int("--repeat-last-n", opts.repeatLastN),
    presencePenalty: num("--presence-penalty", opts.presencePenalty),
    frequencyPenalty: num("--frequency-penalty", opts.frequencyPenalty),
    ...(opts.seed !== undefined ? { seed: int("--seed", opts.seed) } : {}),
  };
  const maxTokens = int("--max-tokens", opts.maxTokens);
  const ctxSize = opts.ctxSize !== undefined ? int("--ctx-size", opts.ctxSize) : undefined;
  const threads = opts.threads !== undefined ? int("--threads", opts.threads) : undefined;
  const kvType = parseKvType(opts.kvType);
  const modelPath = await resolveModelArg(opts.model ?? bundledModelPath);
  const grammar = readGrammarOption(opts);
  if (!existsSync(modelPath)) throw new InputError(`--model ${modelPath}: no such file or directory`);
  if (opts.chatTemplateFile !== undefined && !opts.chat) throw new InputError("--chat-template-file applies to --chat prompts: add --chat");
  const chatTemplate = opts.chatTemplateFile !== undefined ? readChatTemplateFile(opts.chatTemplateFile) : undefined;

  const backend = await selectBackend({ backend: parseBackendName(opts.backend), ...(threads !== undefined ? { threads } : {}),
    memoryBytes: modelMemoryBytes(modelPath) }, availableParallelism());
  try {
    const model = loadModel(modelPath, { backend, onProgress: progressBar(modelPath), kvType });
    const kvBytes = kvBytesPerToken(kvType, model.config.nLayers, model.config.nKvHeads * model.config.headDim);
    const tokenizer = resolveTokenizer(modelPath, opts.tokenizer);
    const prompt = opts.chat ? chatPrompt(tokenizer, opts.prompt, chatTemplate ?? tokenizer.chatTemplate) : opts.prompt;
    const fittedCtx = fittedCtxSize(model, ctxSize, kvType);
    const streaming = !opts.json;
    const result = await generate(model, tokenizer, prompt, {
      maxTokens,
      sampling,
      stop: opts.stop,
      ...(grammar !== undefined ? { grammar } : {}),
      ctxSize: fittedCtx,
      memoryBudgetBytes: totalmem(),
      // Yielding lets stdout flush each piece where writes are asynchronous (TTYs on some platforms, macOS pipes).
      ...(streaming ? { onText: (t: string) => void process.stdout.write(t), yieldBetweenTokens: true } : {}),
    });
    if (streaming) {
      process.stdout.write("\n");
      process.stderr.write(formatTimings(result));
      process.stderr.write(`KV cache: ${describeKvCache(kvType, kvBytes)} (${kvBytes} bytes per token)\n`);
    } else {
      const { text, promptTokens, tokens, timings } = result;
      const { ttftMs, prefillTokensPerSec, decodeTokensPerSec, itlMs } = timings;
      process.stdout.write(`${JSON.stringify({ text, promptTokens, tokens, timings: { ttftMs, prefillTokensPerSec, decodeTokensPerSec, itlMs }, kvType, kvBytesPerToken: kvBytes })}\n`);
    }
  } finally {
    await (backend as { close?: () => Promise<void> }).close?.();
  }
}

/** The model file's own tokenizer; else --tokenizer; else a tokenizer.json in the model's directory or its hf/. */
export function resolveTokenizer(modelPath: string, explicit: string | undefined): Tokenizer {
  if (explicit !== undefined) return loadTokenizer(explicit);
  try {
    return loadTokenizer(modelPath);
  } catch (err) {
    if (!(err instanceof TsinferError)) throw err;
    for (const dir of [dirname(modelPath), join(dirname(modelPath), "hf")]) {
      if (existsSync(join(dir, "tokenizer.json"))) return loadTokenizer(dir);
    }
    throw err;
  }
}

/** stories-7m has no chat template: the plain prompt is used, with a warning. */
function chatPrompt(tokenizer: Tokenizer, prompt: string, template: string | undefined): number[] {
  if (template === undefined) process.stderr.write(noTemplateWarning);
  return conversationPrompt(tokenizer, [{ role: "user", content: prompt }], template);
}

export function progressBar(path: string): ((loaded: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let lastPercent = -1;
  return (loaded, total) => {
    if (total < 64 * 1024 * 1024) return; // small files load faster than a bar can draw
    const percent = Math.floor((100 * loaded) / total);
    if (percent === lastPercent) return;
    lastPercent = percent;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    process.stderr.write(`\rloading ${path} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${percent}%${percent === 100 ? "\n" : ""}`);
  };
}

/** --json-schema FILE or --grammar FILE (not both), read before the model loads so a bad file fails fast. */
function readGrammarOption(opts: RunOptions): GrammarSpec | undefined {
  if (opts.jsonSchema !== undefined && opts.grammar !== undefined) throw new InputError("--json-schema and --grammar: give one of them");
  if (opts.grammar !== undefined) return { kind: "gbnf", text: readOptionFile("--grammar", opts.grammar) };
  if (opts.jsonSchema === undefined) return undefined;
  const text = readOptionFile("--json-schema", opts.jsonSchema);
  try {
    return { kind: "json_schema", schema: JSON.parse(text) as unknown };
  } catch (err) {
    throw new InputError(`--json-schema ${opts.jsonSchema}: not JSON (${(err as Error).message})`);
  }
}

function readOptionFile(option: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`${option} ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

function num(option: string, value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x)) throw new InputError(`${option} ${value}: expected a number`);
  return x;
}

function int(option: string, value: string): number {
  const x = num(option, value);
  if (!Number.isSafeInteger(x)) throw new InputError(`${option} ${value}: expected an integer`);
  return x;
}
