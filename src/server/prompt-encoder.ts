import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { FormatError } from "../errors.js";
import { renderChatTemplate } from "../tokenizer/chat-template.js";
import { loadTokenizer } from "../tokenizer/load-tokenizer.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { ChatMessage } from "./parse-generation-request.js";

/** Where a served model's tokenizer and chat template come from (so a worker thread can load the same ones). */
export interface TokenizerSource {
  modelPath: string;
  /** tokenizer.json / HF directory / GGUF; default: the model itself (or the `hf/` directory beside a GGUF). */
  tokenizerPath?: string;
  /** A Jinja chat template file overriding the model's. */
  chatTemplatePath?: string;
}

/** Prompt text (or chat messages) to token ids, as the served model expects them. */
export interface PromptEncoder {
  readonly tok: Tokenizer;
  encode(text: string): number[];
  encodeChat(messages: ChatMessage[]): number[];
}

export function createPromptEncoder(source: TokenizerSource): PromptEncoder {
  const tok = openTokenizer(source.modelPath, source.tokenizerPath);
  const template = source.chatTemplatePath !== undefined ? readTemplate(source.chatTemplatePath) : tok.chatTemplate;
  return {
    tok,
    encode: (text) => tok.encode(text),
    encodeChat(messages: ChatMessage[]): number[] {
      // No template: the contents joined by newlines, as a plain completion prompt (story models have none).
      if (template === undefined) return tok.encode(messages.map((m) => m.content).join("\n"));
      const text = renderChatTemplate(template, { messages: messages.map((m) => ({ role: m.role, content: m.content })), addGenerationPrompt: true, bosToken: tok.bosToken, eosToken: tok.eosToken });
      return tok.encode(text, { addSpecialTokens: false });
    },
  };
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

function readTemplate(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new FormatError(path, `cannot read the chat template: ${(err as Error).message}`);
  }
}
