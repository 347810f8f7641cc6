import { InputError } from "../errors.js";
import type { GrammarSpec } from "./grammar-spec.js";

/** OpenAI's `response_format`. */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; schema: unknown; strict?: boolean | null; description?: string } };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const JSON_SCHEMA_FIELDS = new Set(["name", "schema", "strict", "description"]);

/**
 * Reads a `response_format` value (OpenAI's shapes, plus llama-server's `{"type": "json_object", "schema": …}`) into a
 * GrammarSpec, or null for plain text. Throws an InputError naming the field (`where`, e.g. "response_format.type").
 */
export function responseFormatToSpec(v: unknown, where = "response_format"): GrammarSpec | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw new InputError(`${where}: expected an object like {"type": "json_object"}`);
  const type = v["type"];
  for (const key of Object.keys(v))
    if (key !== "type" && key !== "json_schema" && key !== "schema") throw new InputError(`${where}.${key.slice(0, 32)}: unknown field`);
  switch (type) {
    case "text":
      return null;
    case "json_object":
      return v["schema"] === undefined ? { kind: "json_object" } : { kind: "json_schema", schema: schemaField(v["schema"], `${where}.schema`) };
    case "json_schema": {
      if (v["json_schema"] === undefined && v["schema"] !== undefined) return { kind: "json_schema", schema: schemaField(v["schema"], `${where}.schema`) };
      const js = v["json_schema"];
      const at = `${where}.json_schema`;
      if (!isObj(js)) throw new InputError(`${at}: expected an object {"name", "schema", "strict"}`);
      for (const key of Object.keys(js)) if (!JSON_SCHEMA_FIELDS.has(key)) throw new InputError(`${at}.${key.slice(0, 32)}: unknown field`);
      if (js["name"] !== undefined && (typeof js["name"] !== "string" || js["name"].length > 256)) throw new InputError(`${at}.name: expected a string of at most 256 characters`);
      if (js["description"] !== undefined && typeof js["description"] !== "string") throw new InputError(`${at}.description: expected a string`);
      const strict = js["strict"];
      if (strict !== undefined && strict !== null && typeof strict !== "boolean") throw new InputError(`${at}.strict: expected a boolean`);
      if (js["schema"] === undefined) throw new InputError(`${at}.schema: required (the JSON Schema the output must follow)`);
      return { kind: "json_schema", schema: schemaField(js["schema"], `${at}.schema`), ...(typeof strict === "boolean" ? { strict } : {}) };
    }
    default:
      throw new InputError(`${where}.type: expected "text", "json_object" or "json_schema", got ${JSON.stringify(type)?.slice(0, 64) ?? "nothing"}`);
  }
}

function schemaField(v: unknown, where: string): unknown {
  if (!isObj(v) && typeof v !== "boolean") throw new InputError(`${where}: expected a JSON Schema object`);
  return v;
}
