import { existsSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { text as readAll } from "node:stream/consumers";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { parseKvType } from "../../kernels/kv-layer.js";
import { parseBackendName, selectBackend } from "../../kernels/select.js";
import { modelMemoryBytes } from "../model-memory-bytes.js";
import { loadModel } from "../../model/load-model.js";
import { readChatTemplateFile } from "../../chat/chat-template-loader.js";
import { runChatRepl } from "../chat/chat-repl.js";
import { ChatSession } from "../chat/chat-session.js";
import { noTemplateWarning } from "../chat/conversation-prompt.js";
import { chatSettingRows, defaultChatSettings, settingValue, withSetting, type ChatSettings } from "../chat/chat-settings.js";
import { resolveModelArg } from "../resolve-model-arg.js";
import { bundledModelPath, progressBar, resolveTokenizer } from "./run.js";
import { fittedCtxSize } from "../fitted-ctx-size.js";

interface ChatOptions {
  model?: string;
  tokenizer?: string;
  system?: string;
  chatTemplateFile?: string;
  ctxSize?: string;
  backend: string;
  threads?: string;
  kvType: string;
  /** The sampling flags, named after chatSettingRows' flags in commander's camelCase. */
  [flag: string]: string | undefined;
}

export function registerChatCommand(program: Command): void {
  const command = program
    .command("chat")
    .description("talk with a model: a multi-turn chat on a terminal; with piped stdin, one answer to all of it")
    .option("-m, --model <path>", "GGUF file, Hugging Face directory or hf:org/repo[:QUANT] (default: the bundled stories-7m)")
    .option("--tokenizer <path>", "tokenizer.json or its directory, when the model file holds no usable tokenizer")
    .option("--system <text>", "system message")
    .option("--chat-template-file <file>", "Jinja chat template (or a tokenizer_config.json holding one) replacing the model's")
    .option("--ctx-size <n>", "context length (default: the model's)")
    .option("--backend <name>", "kernel backend: auto, wasm or ref", "auto")
    .option("--threads <n>", "threads for the wasm backend")
    .option("--kv-type <type>", "KV cache element type: f32, f16 or q8_0", "f32");
  // The sampling flags are the /set table's, so a setting has one name, one parser and one range check.
  const defaults = defaultChatSettings();
  for (const row of chatSettingRows) {
    const short = row.key === "maxTokens" ? "-n, " : "";
    const fallback = row.key === "seed" ? undefined : settingValue(defaults, row);
    command.option(`${short}--${row.flag} <value>`, `${row.description} (/set ${row.name})`, fallback);
  }
  command.addHelpText(
    "after",
    "\nOn a terminal: type a message; Ctrl-C stops an answer; /set, /system, /clear, /stats, /help, /bye.\n" +
      "Example: tsinfer chat -m model.gguf --temp 0.2\n         echo 'Why is the sky blue?' | tsinfer chat -m model.gguf\n",
  );
  command.action(async (opts: ChatOptions) => chatCommand(opts));
}

async function chatCommand(opts: ChatOptions): Promise<void> {
  const modelPath = await resolveModelArg(opts.model ?? bundledModelPath);
  if (!existsSync(modelPath)) throw new InputError(`--model ${modelPath}: no such file or directory`);
  const ctxSize = opts.ctxSize !== undefined ? positiveInt("--ctx-size", opts.ctxSize) : undefined;
  const threads = opts.threads !== undefined ? positiveInt("--threads", opts.threads) : undefined;
  const kvType = parseKvType(opts.kvType);
  const chatTemplate = opts.chatTemplateFile !== undefined ? readChatTemplateFile(opts.chatTemplateFile) : undefined;
  const backend = await selectBackend({ backend: parseBackendName(opts.backend), ...(threads !== undefined ? { threads } : {}),
    memoryBytes: modelMemoryBytes(modelPath) }, availableParallelism());
  try {
    const model = loadModel(modelPath, { backend, onProgress: progressBar(modelPath), kvType });
    const tokenizer = resolveTokenizer(modelPath, opts.tokenizer);
    const settings = flagSettings(opts, model.config.vocabSize);
    if ((chatTemplate ?? tokenizer.chatTemplate) === undefined) process.stderr.write(noTemplateWarning);
    const session = new ChatSession(model, tokenizer, {
      settings,
      ...(chatTemplate !== undefined ? { chatTemplate } : {}),
      memoryBudgetBytes: totalmem(),
      ctxSize: fittedCtxSize(model, ctxSize, kvType),
      ...(opts.system !== undefined ? { system: opts.system } : {}),
    });
    if (process.stdin.isTTY) {
      await runChatRepl(session, model.config.vocabSize, process.stdin, process.stdout);
    } else {
      // As `ollama run` with piped input: the whole of stdin is one message, answered once.
      const message = (await readAll(process.stdin)).trim();
      if (message === "") throw new InputError("stdin is empty: nothing to answer");
      await session.ask(message, (t) => void process.stdout.write(t));
      process.stdout.write("\n");
    }
  } finally {
    await (backend as { close?: () => Promise<void> }).close?.();
  }
}

function flagSettings(opts: ChatOptions, vocabSize: number): ChatSettings {
  let settings = defaultChatSettings();
  for (const row of chatSettingRows) {
    const value = opts[camelCase(row.flag)];
    if (value === undefined) continue;
    try {
      settings = withSetting(settings, row.name, value, vocabSize);
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`--${row.flag}: ${err.message}`);
      throw err;
    }
  }
  return settings;
}

/** commander's attribute name for a flag: top-k → topK. */
function camelCase(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function positiveInt(option: string, value: string): number {
  const x = Number(value);
  if (!Number.isSafeInteger(x) || x < 1) throw new InputError(`${option} ${value}: expected an integer ≥ 1`);
  return x;
}
