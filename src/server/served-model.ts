import type { BatchModel } from "../engine/batch-model.js";
import type { ChatPromptOptions, TokenizerSource } from "./prompt-encoder.js";
import type { ChatMessage } from "./read-chat-messages.js";
import type { CompiledGrammar } from "../grammar/grammar-compiler.js";
import type { GrammarSpec } from "../grammar/grammar-spec.js";

/** Incremental detokenizer: text that is complete after each token (a UTF-8 sequence may span tokens). */
export interface TokenDecoder {
  push(token: number): string;
  flush(): string;
}

export interface TokenPiece {
  text: string;
  bytes: number[];
  special: boolean;
}

/**
 * Everything the server needs from a loaded model: the batch forward pass (through the engine), the
 * tokenizer and the chat template. Built by `loadServedModel` from tsinfer's model, tokenizer and template.
 */
export interface ServedModel {
  readonly id: string;
  /** Other names the model answers to (`--served-model-name a b`: id "a", aliases ["b"]). */
  readonly aliases?: readonly string[];
  readonly model: BatchModel;
  readonly eosIds: readonly number[];
  readonly kvBytesPerToken: number;
  /** How the context and KV cache were sized (one line: "n_ctx = … (why)"), when loadServedModel sized them. */
  readonly contextFit?: string;
  /** Memory the model holds (weights, KV cache, scratch), for --max-memory; absent: not counted. */
  readonly memoryBytes?: number;
  /** Where the tokenizer comes from, so large prompts can be tokenized on a worker thread (absent: always inline). */
  readonly tokenizerSource?: TokenizerSource;
  /** The most UTF-8 bytes one token stands for: bounds how many prompt characters can fit the context. */
  readonly maxTokenBytes?: number;
  /** Text to ids with the tokenizer's special tokens (BOS) as the model expects for a raw prompt. */
  encode(text: string): number[];
  /** Text to ids as llama-server's /tokenize does: BOS/EOS only with `addSpecial`, special-token text matched with `parseSpecial`. */
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): number[];
  /** The chat template in use (absent: none; messages are joined as plain text). Its markers pick the tool-call format. */
  readonly chatTemplate?: string;
  /** Messages (and the request's tools and template variables) to prompt ids through the chat template, with the generation prompt added. */
  encodeChat(messages: ChatMessage[], options?: ChatPromptOptions): number[];
  /**
   * A detokenizer for text that continues `contextIds` (their text is not emitted: it keeps a word's leading space).
   * Special tokens are skipped, except those whose text is in `keepSpecial` (tool-call and reasoning markers).
   */
  createDecoder(contextIds: readonly number[], keepSpecial?: readonly string[]): TokenDecoder;
  tokenPiece(id: number): TokenPiece;
  /**
   * Compiles a structured-output grammar for this model's vocabulary; bad input throws an InputError whose message
   * starts with `where` (the request field). Absent: the model cannot constrain its output.
   */
  compileGrammar?(spec: GrammarSpec, where: string): Promise<CompiledGrammar>;
  /** What GET /v1/model-info reports (architecture, parameters, tensors…). */
  info(): Record<string, unknown>;
}
