import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { FormatError } from "../errors.js";
import { ChatTemplateError, renderChatTemplate } from "../chat/chat-template.js";
import { readChatTemplateFile } from "../chat/chat-template-loader.js";
import type { ChatMessage as TemplateMessage } from "../chat/chat-template.js";
import { loadTokenizer } from "../tokenizer/load-tokenizer.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { badField } from "./api-error.js";
import type { ChatMessage } from "./read-chat-messages.js";

/** Where a served model's tokenizer and chat template come from (so a worker thread can load the same ones). */
export interface TokenizerSource {
  modelPath: string;
  /** tokenizer.json / HF directory / GGUF; default: the model itself (or the `hf/` directory beside a GGUF). */
  tokenizerPath?: string;
  /** A Jinja chat template file overriding the model's. */
  chatTemplatePath?: string;
}

/** What a chat request adds to its messages in the template: its tools and template variables. */
export interface ChatPromptOptions {
  /** The request's tools as the client sent them ({type: "function", function}); null: the template sees None. */
  tools?: Record<string, unknown>[] | null;
  /** chat_template_kwargs (e.g. enable_thinking). */
  templateKwargs?: Record<string, unknown>;
}

/** Prompt text (or chat messages) to token ids, as the served model expects them. */
export interface PromptEncoder {
  readonly tok: Tokenizer;
  /** The chat template in use (the --chat-template-file one, else the model's); undefined: none. */
  readonly chatTemplate: string | undefined;
  encode(text: string): number[];
  encodeChat(messages: ChatMessage[], options?: ChatPromptOptions): number[];
}

export function createPromptEncoder(source: TokenizerSource): PromptEncoder {
  const tok = openTokenizer(source.modelPath, source.tokenizerPath);
  const template = source.chatTemplatePath !== undefined ? readChatTemplateFile(source.chatTemplatePath) : tok.chatTemplate;
  return {
    tok,
    chatTemplate: template,
    encode: (text) => tok.encode(text),
    encodeChat(messages: ChatMessage[], options: ChatPromptOptions = {}): number[] {
      // No template: the contents joined by newlines, as a plain completion prompt (story models have none).
      if (template === undefined) return tok.encode(messages.map((m) => m.content ?? "").join("\n"));
      let text: string;
      try {
        text = renderChatTemplate(template, {
          messages: messages.map(templateMessage),
          tools: options.tools ?? null,
          addGenerationPrompt: true,
          bosToken: tok.bosToken,
          eosToken: tok.eosToken,
          ...(options.templateKwargs !== undefined ? { extra: options.templateKwargs } : {}),
        });
      } catch (err) {
        // The template refused this conversation (raise_exception: roles out of order, a tool call id it cannot take…).
        if (err instanceof ChatTemplateError) throw badField("messages", `the model's chat template refused the conversation: ${err.pythonType}: ${err.message.slice(0, 300)}`);
        throw err;
      }
      return tok.encode(text, { addSpecialTokens: false });
    },
  };
}

/**
 * A message as chat templates read it: only the fields the client sent (templates test `'tool_calls' in message`),
 * content "" rather than None beside tool calls (several templates concatenate it).
 */
export function templateMessage(m: ChatMessage): TemplateMessage {
  const out: TemplateMessage = { role: m.role, content: m.content ?? "" };
  if (m.name !== undefined) out.name = m.name;
  if (m.reasoning_content !== undefined) out.reasoning_content = m.reasoning_content;
  if (m.tool_calls !== undefined) out.tool_calls = m.tool_calls;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  return out;
}

/** The most UTF-8 bytes one token stands for (special tokens by their text): a prompt needs at least bytes / this many tokens. */
export function maxTokenBytes(tok: Tokenizer): number {
  let most = 1;
  for (let id = 0; id < tok.vocabSize; id++) {
    const n = tok.isSpecial(id) ? Buffer.byteLength(tok.tokenToPiece(id)) : tok.tokenBytes(id).length;
    if (n > most) most = n;
  }
  return most;
}

function openTokenizer(modelPath: string, tokenizerPath: string | undefined): Tokenizer {
  if (tokenizerPath !== undefined) return loadTokenizer(tokenizerPath);
  try {
    return loadTokenizer(modelPath);
  } catch (err) {
    // A GGUF whose tokenizer cannot be read yet: use the Hugging Face directory shipped beside it, if any.
    const hf = join(dirname(modelPath), "hf");
    if (err instanceof FormatError && modelPath.endsWith(".gguf") && existsSync(join(hf, "tokenizer.json"))) return loadTokenizer(hf);
    throw err;
  }
}
