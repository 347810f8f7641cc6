import { checkJsonSchema } from "./json-schema-check.js";

/**
 * A structural tag with each `json_schema` element replaced by a `grammar` element made from it by `toGrammar`.
 * xgrammar builds a structural tag's JSON elements with any whitespace allowed, so a small model forced to call a
 * tool can spend its whole max_tokens on newlines inside the call; converting the schema ourselves keeps the JSON on
 * one line, as response_format's is, and puts every schema through the same keyword check (json-schema-check.ts).
 */
export async function compactStructuralTag(tag: unknown, where: string, toGrammar: (schemaText: string) => Promise<string>): Promise<unknown> {
  const walk = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map(walk));
    if (node === null || typeof node !== "object") return node;
    const record = node as Record<string, unknown>;
    if (record.type === "json_schema" && "json_schema" in record) {
      const text = JSON.stringify(checkJsonSchema(record.json_schema, where));
      return { type: "grammar", grammar: await toGrammar(text) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) out[k] = await walk(v);
    return out;
  };
  return walk(tag);
}
