export { Tokenizer } from "./tokenizer.js";
export type { DecodeOptions, EncodeOptions, TokenizerCore, TokenizerSpecials } from "./tokenizer.js";
export { StreamingDecoder } from "./streaming-decoder.js";
export { loadTokenizer } from "./load-tokenizer.js";
export { tokenizerFromJson } from "./hf/tokenizer-json.js";
export { tokenizerFromGguf } from "./llamacpp/gguf-tokenizer.js";
