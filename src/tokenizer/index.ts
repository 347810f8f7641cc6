export { Tokenizer } from "./tokenizer.js";
export type { DecodeOptions, EncodeOptions, TokenizerCore, TokenizerSpecials } from "./tokenizer.js";
export { StreamingDecoder } from "./streaming-decoder.js";
export { loadTokenizer } from "./load-tokenizer.js";
export { tokenizerFromJson } from "./tokenizer-json.js";
export { ChatTemplateError, compileChatTemplate, renderChatTemplate } from "./chat-template.js";
export type { ChatMessage, RenderChatTemplateOptions } from "./chat-template.js";
export { tokenizerFromGguf } from "./gguf-tokenizer.js";
