import { FormatError } from "../errors.js";
import type { FileCursor } from "./file-cursor.js";
import { GgufValueType, ggufMinValueSizeBytes, ggufValueTypeName } from "./gguf-value-type.js";
import type { GgufArrayType, GgufKv, GgufValue } from "./gguf-value-type.js";

// Arrays of arrays nest; a corrupt file could nest deeply enough to overflow the stack.
const maxArrayDepth = 8;

/** Reads one key/value pair at the cursor (GGUF v2/v3 layout: u64 lengths and counts). */
export function readGgufKv(cursor: FileCursor, index: number): GgufKv {
  const key = cursor.string(`metadata key #${index}`);
  const type = cursor.u32(`type of metadata key ${key}`);
  if (type === GgufValueType.ARRAY) {
    const array = readArray(cursor, key, 0);
    const kv: GgufKv = { key, type, value: array.value, itemType: array.type.itemType };
    if (array.type.items) kv.nested = array.type.items;
    return kv;
  }
  return { key, type: checkType(cursor, key, type), value: readScalar(cursor, key, type) };
}

function checkType(cursor: FileCursor, key: string, type: number): GgufKv["type"] {
  if (ggufValueTypeName(type) === undefined) {
    throw new FormatError(cursor.path, `metadata key ${key} has value type ${type}, which GGUF does not define (0..12)`);
  }
  return type as GgufKv["type"];
}

function readArray(cursor: FileCursor, key: string, depth: number): { value: GgufValue[]; type: GgufArrayType } {
  if (depth >= maxArrayDepth) {
    throw new FormatError(cursor.path, `metadata key ${key} nests arrays more than ${maxArrayDepth} deep`);
  }
  const itemType = checkType(cursor, key, cursor.u32(`array item type of metadata key ${key}`));
  const minItemBytes = ggufMinValueSizeBytes(itemType);
  const count = cursor.u64Count(
    `array length of metadata key ${key}`,
    Math.floor((cursor.remainingBytes - 8) / minItemBytes),
  );
  const value: GgufValue[] = new Array<GgufValue>(count);
  if (itemType !== GgufValueType.ARRAY) {
    for (let i = 0; i < count; i++) value[i] = readScalar(cursor, key, itemType);
    return { value, type: { itemType } };
  }
  const items: GgufArrayType[] = new Array<GgufArrayType>(count);
  for (let i = 0; i < count; i++) {
    const inner = readArray(cursor, key, depth + 1);
    value[i] = inner.value;
    items[i] = inner.type;
  }
  return { value, type: { itemType, items } };
}

function readScalar(cursor: FileCursor, key: string, type: number): GgufValue {
  const what = `value of metadata key ${key}`;
  switch (type) {
    case GgufValueType.UINT8:
      return cursor.u8(what);
    case GgufValueType.INT8:
      return cursor.i8(what);
    case GgufValueType.UINT16:
      return cursor.u16(what);
    case GgufValueType.INT16:
      return cursor.i16(what);
    case GgufValueType.UINT32:
      return cursor.u32(what);
    case GgufValueType.INT32:
      return cursor.i32(what);
    case GgufValueType.FLOAT32:
      return cursor.f32(what);
    case GgufValueType.FLOAT64:
      return cursor.f64(what);
    case GgufValueType.BOOL: {
      const byte = cursor.u8(what);
      if (byte > 1) throw new FormatError(cursor.path, `metadata key ${key} is a bool stored as ${byte} (not 0 or 1)`);
      return byte === 1;
    }
    case GgufValueType.STRING:
      return cursor.string(what);
    case GgufValueType.UINT64:
      return narrow(cursor.u64(what));
    case GgufValueType.INT64:
      return narrow(cursor.i64(what));
    default:
      throw new FormatError(cursor.path, `metadata key ${key} has value type ${type}, which GGUF does not define (0..12)`);
  }
}

/** 64-bit integers become numbers when exact (|v| <= 2^53 - 1), bigints otherwise. */
function narrow(value: bigint): number | bigint {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}
