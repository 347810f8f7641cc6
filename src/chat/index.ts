export { detectChatOutputFormat, outputMarkers, promptOpensThinking } from "./chat-output-format.js";
export type { ChatOutputFormat, ToolCallFormat } from "./chat-output-format.js";
export { ChatOutputParser, collectChatOutput, parseChatOutput } from "./chat-output-parser.js";
export type { ChatOutputEvent, ChatOutputMessage, ChatOutputOptions } from "./chat-output-parser.js";
export { toolCallGrammar } from "./tool-call-grammar.js";
export type { ToolCallGrammarOptions, ToolCallGrammarSpec } from "./tool-call-grammar.js";
export { newToolCallId } from "./tool-call-id.js";
export type { ParsedToolCall } from "./tool-call-json.js";
export type { ToolChoice, ToolDefinition } from "./tool-definition.js";
