import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import type { ChatMessage } from "../../chat/chat-template.js";
import { renderChatTemplate } from "../../chat/chat-template.js";
import { loadChatTemplate } from "../../chat/chat-template-loader.js";
import { parsePythonJson } from "../../chat/jinja/python-json-parse.js";

interface TemplateOptions {
  model: string;
  messages: string;
  tools?: string;
  addGenerationPrompt?: boolean;
  templateName?: string;
  extra?: string;
  out?: string;
}

function readJsonFile(file: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(`${option} ${file}: ${(err as Error).message}`);
  }
  try {
    // Python's json.loads keeps 1.0 a float, which templates print as 1.0 (JSON.parse would give 1).
    return parsePythonJson(text);
  } catch (err) {
    throw new InputError(`${option} ${file}: ${(err as Error).message}`);
  }
}

/** A messages file holds a list of messages, or an object {messages, tools?} (an OpenAI request body, say). */
function readConversation(file: string): { messages: ChatMessage[]; tools?: unknown[] } {
  const value = readJsonFile(file, "--messages");
  const body = Array.isArray(value) ? { messages: value } : (value as { messages?: unknown; tools?: unknown });
  if (!Array.isArray(body.messages)) throw new InputError(`--messages ${file}: expected a list of {role, content} messages`);
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    if (typeof m !== "object" || m === null || typeof (m as ChatMessage).role !== "string") {
      throw new InputError(`--messages ${file}: message ${i} has no string "role"`);
    }
  }
  return { messages: body.messages as ChatMessage[], tools: Array.isArray(body.tools) ? body.tools : undefined };
}

/** `tsinfer template`: renders a model's chat template for a conversation, as transformers' apply_chat_template does. */
export function registerTemplateCommand(program: Command): void {
  program
    .command("template")
    .description("render a model's chat template for a conversation (exactly as transformers' apply_chat_template)")
    .requiredOption("--model <path>", "tokenizer_config.json, a Hugging Face model directory, a .jinja file or a .gguf file")
    .requiredOption("--messages <file>", "JSON: a list of {role, content} messages, or {messages, tools}")
    .option("--tools <file>", "JSON: a list of tool definitions ({type: 'function', function: {...}})")
    .option("--add-generation-prompt", "end with the header of the assistant's reply")
    .option("--template-name <name>", "one of the model's named templates (default: tool_use with tools, else default)")
    .option("--extra <file>", "JSON object of more template variables (e.g. {\"enable_thinking\": false})")
    .option("--out <file>", "write exactly the rendered prompt to this file instead of stdout")
    .action((options: TemplateOptions) => {
      const conversation = readConversation(options.messages);
      const tools = options.tools !== undefined ? readJsonFile(options.tools, "--tools") : conversation.tools;
      if (tools !== undefined && !Array.isArray(tools)) throw new InputError(`--tools ${options.tools}: expected a list of tools`);
      const extra = options.extra !== undefined ? readJsonFile(options.extra, "--extra") : undefined;
      if (extra !== undefined && (typeof extra !== "object" || extra === null || Array.isArray(extra))) {
        throw new InputError(`--extra ${options.extra}: expected a JSON object`);
      }
      const loaded = loadChatTemplate(options.model, { name: options.templateName, withTools: tools !== undefined });
      const rendered = renderChatTemplate(loaded.template, {
        messages: conversation.messages,
        tools,
        addGenerationPrompt: options.addGenerationPrompt === true,
        bosToken: loaded.bosToken,
        eosToken: loaded.eosToken,
        // transformers passes the tokenizer's special tokens map, then the caller's keyword arguments.
        extra: { ...loaded.otherSpecialTokens, ...(extra as Record<string, unknown> | undefined) },
      });
      if (options.out !== undefined) writeFileSync(options.out, rendered);
      else process.stdout.write(rendered);
    });
}
