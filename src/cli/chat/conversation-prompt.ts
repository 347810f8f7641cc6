import { renderChatTemplate, type ChatMessage } from "../../chat/chat-template.js";
import type { Tokenizer } from "../../tokenizer/tokenizer.js";

/** Said once per process when the plain join is used. */
export const noTemplateWarning = "tsinfer: warning: the model has no chat template; using the plain prompt\n";

/**
 * The prompt ids for a conversation that ends with the user's turn: the model's chat template with the generation
 * prompt, as transformers' apply_chat_template(tokenize=True) gives them (`template`: --chat-template-file's, else the model's). A model with no template (stories-7m)
 * gets the plain text, encoded with BOS as a plain prompt is: each answer continues the text before it, as the model
 * wrote it, and every other message starts a new line. One user message is therefore exactly `run --chat`'s prompt.
 */
export function conversationPrompt(tokenizer: Tokenizer, messages: readonly ChatMessage[], template = tokenizer.chatTemplate): number[] {
  if (template === undefined) return tokenizer.encode(plainConversation(messages));
  const text = renderChatTemplate(template, {
    messages: [...messages],
    addGenerationPrompt: true,
    bosToken: tokenizer.bosToken,
    eosToken: tokenizer.eosToken,
  });
  // The template writes the special tokens itself.
  return tokenizer.encode(text, { addSpecialTokens: false });
}

function plainConversation(messages: readonly ChatMessage[]): string {
  let text = "";
  for (const m of messages) {
    const content = typeof m.content === "string" ? m.content : "";
    text += text === "" || m.role === "assistant" ? content : `\n${content}`;
  }
  return text;
}
