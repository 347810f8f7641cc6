/**
 * What a request constrains its output to: OpenAI's `response_format` json_object / json_schema, llama-server's
 * `json_schema` and `grammar` (GBNF) fields, or an xgrammar structural tag (forced tool calls).
 */
export type GrammarSpec =
  | { kind: "json_object" }
  | { kind: "json_schema"; schema: unknown; strict?: boolean }
  | { kind: "gbnf"; text: string }
  | { kind: "structural_tag"; tag: unknown };
