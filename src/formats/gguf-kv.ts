import { GgufValueType } from "./gguf-value-type.js";
import type { GgufArrayType, GgufKv, GgufValue } from "./gguf-value-type.js";

/** The array type of a value with no declared type: strings, bools, else int32 for integers and float32 otherwise. */
export function inferArrayType(value: GgufValue): GgufArrayType {
  if (!Array.isArray(value) || value.length === 0) return { itemType: GgufValueType.INT32 };
  const first = value[0]!;
  if (Array.isArray(first)) return { itemType: GgufValueType.ARRAY, items: value.map(inferArrayType) };
  return { itemType: inferGgufType(first) };
}

/** The GGUF type a plain value would get: string, bool, int64 for bigints, int32/uint32/int64 for integers by range, float32. */
export function inferGgufType(value: GgufValue): GgufValueType {
  if (Array.isArray(value)) return GgufValueType.ARRAY;
  if (typeof value === "string") return GgufValueType.STRING;
  if (typeof value === "boolean") return GgufValueType.BOOL;
  if (typeof value === "bigint") return GgufValueType.INT64;
  if (!Number.isInteger(value)) return GgufValueType.FLOAT32;
  if (value >= -(2 ** 31) && value < 2 ** 31) return GgufValueType.INT32;
  if (value >= 0 && value < 2 ** 32) return GgufValueType.UINT32;
  return GgufValueType.INT64;
}

/** Builds a key/value pair, inferring the type (see inferGgufType) unless given. */
export function ggufKv(key: string, value: GgufValue, type?: GgufValueType, itemType?: GgufValueType): GgufKv {
  const t = type ?? inferGgufType(value);
  if (t !== GgufValueType.ARRAY) return { key, type: t, value };
  const inferred = inferArrayType(value);
  const kv: GgufKv = { key, type: t, value, itemType: itemType ?? inferred.itemType };
  if (inferred.items) kv.nested = inferred.items;
  return kv;
}
