export type { GrammarSpec } from "./grammar-spec.js";
export { CompiledGrammar, GrammarCompiler, grammarCompilerFor } from "./grammar-compiler.js";
export { checkJsonSchema, FORMAT_PATTERNS, MAX_INTEGER_RANGE } from "./json-schema-check.js";
export { TokenConstraint } from "./token-constraint.js";
export { grammarVocab } from "./grammar-vocab.js";
export type { GrammarVocab } from "./grammar-vocab.js";
export { loadXgrammar } from "./xgrammar-module.js";
export { responseFormatToSpec } from "./response-format.js";
export type { ResponseFormat } from "./response-format.js";
