import { badField } from "./api-error.js";

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function optNumber(body: JsonObject, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badField(key, `expected a number, got ${describe(v)}`, "invalid_type");
  if (v < min || v > max) throw badField(key, `${v} is outside [${min}, ${max}]`);
  return v;
}

export function optInt(body: JsonObject, key: string, min: number, max: number): number | undefined {
  const v = optNumber(body, key, min, max);
  if (v !== undefined && !Number.isInteger(v)) throw badField(key, `expected an integer, got ${v}`, "invalid_type");
  return v;
}

export function optBool(body: JsonObject, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw badField(key, `expected a boolean, got ${describe(v)}`, "invalid_type");
  return v;
}

export function optString(body: JsonObject, key: string, maxLength: number): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badField(key, `expected a string, got ${describe(v)}`, "invalid_type");
  if (v.length > maxLength) throw badField(key, `longer than ${maxLength} characters`);
  return v;
}

/** OpenAI `stop`: a string or up to 4 strings. */
export function readStop(body: JsonObject): string[] {
  const v = body.stop;
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length > 4 || !list.every((s) => typeof s === "string" && s.length > 0 && s.length <= 256))
    throw badField("stop", "expected a non-empty string or an array of at most 4 non-empty strings");
  return list as string[];
}

/** OpenAI `logit_bias`: {"tokenId": bias in [-100, 100]}. */
export function readLogitBias(body: JsonObject, vocabSize: number): Map<number, number> | undefined {
  const v = body.logit_bias;
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw badField("logit_bias", `expected an object mapping token ids to biases, got ${describe(v)}`, "invalid_type");
  const out = new Map<number, number>();
  for (const [k, b] of Object.entries(v)) {
    const id = Number(k);
    if (!/^\d+$/.test(k) || id >= vocabSize) throw badField("logit_bias", `key "${k.slice(0, 32)}" is not a token id below ${vocabSize}`);
    if (typeof b !== "number" || !Number.isFinite(b) || b < -100 || b > 100) throw badField("logit_bias", `bias for token ${k} must be a number in [-100, 100]`);
    out.set(id, b);
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v;
}
