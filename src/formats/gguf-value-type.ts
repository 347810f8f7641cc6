// GGUF metadata value types (ggml/docs/gguf.md, enum gguf_metadata_value_type).
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

export type GgufValueTypeName = keyof typeof GgufValueType;
export type GgufValueType = (typeof GgufValueType)[GgufValueTypeName];

/**
 * A metadata value. 64-bit integers are numbers when they fit in 2^53 (Number.isSafeInteger) and bigints
 * otherwise; float32 values are the exact doubles of the stored floats; strings are decoded as UTF-8.
 */
export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufValue[];

/** The element type of an array, recursively: `items` gives each element's own array type when itemType is ARRAY. */
export interface GgufArrayType {
  itemType: GgufValueType;
  items?: GgufArrayType[];
}

/** One key/value pair with its exact stored types, so that writing it back is lossless. */
export interface GgufKv {
  key: string;
  type: GgufValueType;
  value: GgufValue;
  /** For arrays: the element type. */
  itemType?: GgufValueType;
  /** For arrays of arrays: each element's own array type. */
  nested?: GgufArrayType[];
}

const namesById = new Map<number, GgufValueTypeName>(
  Object.entries(GgufValueType).map(([name, id]) => [id, name as GgufValueTypeName]),
);

export function ggufValueTypeName(id: number): GgufValueTypeName | undefined {
  return namesById.get(id);
}

/** Bytes of a fixed-size scalar type; undefined for STRING and ARRAY. */
export function ggufScalarSizeBytes(type: number): number | undefined {
  switch (type) {
    case GgufValueType.UINT8:
    case GgufValueType.INT8:
    case GgufValueType.BOOL:
      return 1;
    case GgufValueType.UINT16:
    case GgufValueType.INT16:
      return 2;
    case GgufValueType.UINT32:
    case GgufValueType.INT32:
    case GgufValueType.FLOAT32:
      return 4;
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
    case GgufValueType.FLOAT64:
      return 8;
    default:
      return undefined;
  }
}

/** The fewest bytes one value of this type can take: used to reject counts larger than the rest of the file. */
export function ggufMinValueSizeBytes(type: number): number {
  if (type === GgufValueType.STRING) return 8; // u64 length
  if (type === GgufValueType.ARRAY) return 12; // u32 item type + u64 count
  return ggufScalarSizeBytes(type) ?? 1;
}
