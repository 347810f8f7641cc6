import { FormatError } from "../../errors.js";

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asObject(v: unknown, where: string, key: string): JsonObject {
  if (!isObject(v)) throw new FormatError(where, `${key} should be an object, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v;
}

export function asArray(v: unknown, where: string, key: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new FormatError(where, `${key} should be an array, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v;
}

export function asString(v: unknown, where: string, key: string): string {
  if (typeof v !== "string") throw new FormatError(where, `${key} should be a string, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v;
}

export function optString(o: JsonObject, key: string, where: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  return asString(v, where, key);
}

export function optBool(o: JsonObject, key: string, fallback: boolean): boolean {
  const v = o[key];
  return typeof v === "boolean" ? v : fallback;
}

export function optNumber(o: JsonObject, key: string, fallback: number): number {
  const v = o[key];
  return typeof v === "number" ? v : fallback;
}

/** The `type` of a tokenizer.json component, e.g. "Sequence". */
export function componentType(o: JsonObject, where: string, key: string): string {
  return asString(o["type"], where, `${key}.type`);
}
