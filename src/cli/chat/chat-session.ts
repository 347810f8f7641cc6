import { generate, type GenerationResult } from "../../engine/generate.js";
import type { Model } from "../../model/load-model.js";
import type { ChatMessage } from "../../chat/chat-template.js";
import type { Tokenizer } from "../../tokenizer/tokenizer.js";
import { defaultChatSettings, type ChatSettings } from "./chat-settings.js";
import { conversationPrompt } from "./conversation-prompt.js";

export interface ChatSessionOptions {
  ctxSize?: number;
  /** A chat template replacing the model's (--chat-template-file). */
  chatTemplate?: string;
  memoryBudgetBytes?: number;
  settings?: ChatSettings;
  system?: string;
}

/**
 * A conversation with one model. Each turn renders the whole conversation and generates through generate(), the
 * same path as `tsinfer run`; the KV cache is not kept between turns, so every turn prefills the conversation again
 * (cheap at chat lengths, and the answer is exactly what a one-shot run on the same conversation gives).
 */
export class ChatSession {
  settings: ChatSettings;
  system: string | undefined;
  lastResult: GenerationResult | undefined;
  /** User and assistant turns, oldest first; the system message is kept apart so /clear keeps it. */
  private turns: ChatMessage[] = [];
  readonly ctxLen: number;

  constructor(
    private readonly model: Model,
    private readonly tokenizer: Tokenizer,
    private readonly opts: ChatSessionOptions = {},
  ) {
    this.settings = opts.settings ?? defaultChatSettings();
    this.system = opts.system;
    this.ctxLen = Math.min(opts.ctxSize ?? model.config.ctxLen, model.config.ctxLen);
  }

  get turnCount(): number {
    return this.turns.length;
  }

  clear(): void {
    this.turns = [];
  }

  /**
   * Answers one user message. The answer is kept in the conversation even when aborted (it is what the user saw).
   * Oldest turns are dropped when the conversation would leave less than max_tokens (or half the context) for the
   * answer; onDropped reports how many messages went.
   */
  async ask(content: string, onText: (text: string) => void, signal?: AbortSignal, onDropped?: (n: number) => void): Promise<GenerationResult> {
    this.turns.push({ role: "user", content });
    const room = Math.min(this.settings.maxTokens, Math.floor(this.ctxLen / 2));
    let promptIds = conversationPrompt(this.tokenizer, this.messages(), this.opts.chatTemplate ?? this.tokenizer.chatTemplate);
    let dropped = 0;
    while (promptIds.length + room > this.ctxLen && this.turns.length > 1) {
      // Drop whole exchanges (user + answer) so the conversation still alternates.
      const n = this.turns[1]?.role === "assistant" ? 2 : 1;
      this.turns.splice(0, n);
      dropped += n;
      promptIds = conversationPrompt(this.tokenizer, this.messages(), this.opts.chatTemplate ?? this.tokenizer.chatTemplate);
    }
    if (dropped > 0) onDropped?.(dropped);
    let result: GenerationResult;
    try {
      result = await generate(this.model, this.tokenizer, promptIds, {
        maxTokens: this.settings.maxTokens,
        sampling: this.settings.sampling,
        ctxSize: this.ctxLen,
        ...(this.opts.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: this.opts.memoryBudgetBytes } : {}),
        onText,
        // The event loop must run between tokens, or a Ctrl-C keypress could not be read until the answer ends.
        yieldBetweenTokens: true,
        ...(signal !== undefined ? { signal } : {}),
      });
    } catch (err) {
      this.turns.pop();
      throw err;
    }
    this.turns.push({ role: "assistant", content: result.text });
    this.lastResult = result;
    return result;
  }

  private messages(): ChatMessage[] {
    return this.system !== undefined ? [{ role: "system", content: this.system }, ...this.turns] : [...this.turns];
  }
}
