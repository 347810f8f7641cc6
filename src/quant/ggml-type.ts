/**
 * ggml's tensor types, one row each: the id stored in GGUF tensor infos (ggml/include/ggml.h, enum ggml_type) and the
 * block layout, `blockSize` values stored in `bytesPerBlock` bytes (ggml.c type_traits; sizes from ggml-common.h's
 * block structs, e.g. block_q4_K = 2 halves + 12 scale bytes + 128 nibble bytes = 144). The one table of block
 * layouts: GGUF tensor sizes, the quant traits, wasm repacking and the WebGPU loader all read it. It imports nothing,
 * so every layer may read it without a cycle.
 */
export const GGML_TYPES = {
  F32: { id: 0, blockSize: 1, bytesPerBlock: 4 },
  F16: { id: 1, blockSize: 1, bytesPerBlock: 2 },
  Q4_0: { id: 2, blockSize: 32, bytesPerBlock: 18 },
  Q4_1: { id: 3, blockSize: 32, bytesPerBlock: 20 },
  Q5_0: { id: 6, blockSize: 32, bytesPerBlock: 22 },
  Q5_1: { id: 7, blockSize: 32, bytesPerBlock: 24 },
  Q8_0: { id: 8, blockSize: 32, bytesPerBlock: 34 },
  Q8_1: { id: 9, blockSize: 32, bytesPerBlock: 36 },
  Q2_K: { id: 10, blockSize: 256, bytesPerBlock: 84 },
  Q3_K: { id: 11, blockSize: 256, bytesPerBlock: 110 },
  Q4_K: { id: 12, blockSize: 256, bytesPerBlock: 144 },
  Q5_K: { id: 13, blockSize: 256, bytesPerBlock: 176 },
  Q6_K: { id: 14, blockSize: 256, bytesPerBlock: 210 },
  Q8_K: { id: 15, blockSize: 256, bytesPerBlock: 292 },
  IQ2_XXS: { id: 16, blockSize: 256, bytesPerBlock: 66 },
  IQ2_XS: { id: 17, blockSize: 256, bytesPerBlock: 74 },
  IQ3_XXS: { id: 18, blockSize: 256, bytesPerBlock: 98 },
  IQ1_S: { id: 19, blockSize: 256, bytesPerBlock: 50 },
  IQ4_NL: { id: 20, blockSize: 32, bytesPerBlock: 18 },
  IQ3_S: { id: 21, blockSize: 256, bytesPerBlock: 110 },
  IQ2_S: { id: 22, blockSize: 256, bytesPerBlock: 82 },
  IQ4_XS: { id: 23, blockSize: 256, bytesPerBlock: 136 },
  I8: { id: 24, blockSize: 1, bytesPerBlock: 1 },
  I16: { id: 25, blockSize: 1, bytesPerBlock: 2 },
  I32: { id: 26, blockSize: 1, bytesPerBlock: 4 },
  I64: { id: 27, blockSize: 1, bytesPerBlock: 8 },
  F64: { id: 28, blockSize: 1, bytesPerBlock: 8 },
  IQ1_M: { id: 29, blockSize: 256, bytesPerBlock: 56 },
  BF16: { id: 30, blockSize: 1, bytesPerBlock: 2 },
  TQ1_0: { id: 34, blockSize: 256, bytesPerBlock: 54 },
  TQ2_0: { id: 35, blockSize: 256, bytesPerBlock: 66 },
  MXFP4: { id: 39, blockSize: 32, bytesPerBlock: 17 },
} as const;

export type GgmlTypeName = keyof typeof GGML_TYPES;
export type GgmlTypeId = (typeof GGML_TYPES)[GgmlTypeName]["id"];

/** A row of the table: a type's name, id and block layout. */
export interface GgmlTypeRow {
  readonly name: GgmlTypeName;
  readonly id: number;
  readonly blockSize: number;
  readonly bytesPerBlock: number;
}

const rows: readonly GgmlTypeRow[] = (Object.keys(GGML_TYPES) as GgmlTypeName[]).map((name) => ({ name, ...GGML_TYPES[name] }));
const rowsByName = new Map<string, GgmlTypeRow>(rows.map((row) => [row.name, row]));
const rowsById = new Map<number, GgmlTypeRow>(rows.map((row) => [row.id, row]));

/** Type ids by name (GgmlType.Q4_K === 12), read from the table. */
export const GgmlType = Object.fromEntries(rows.map((row) => [row.name, row.id])) as {
  readonly [K in GgmlTypeName]: (typeof GGML_TYPES)[K]["id"];
};

/** The table's row for a type name. */
export function ggmlTypeRow(name: GgmlTypeName): GgmlTypeRow {
  return rowsByName.get(name)!;
}

/** The table's row for a type id, or undefined for ids no current format uses (e.g. the removed Q4_2). */
export function ggmlTypeRowById(id: number): GgmlTypeRow | undefined {
  return rowsById.get(id);
}

export function ggmlTypeName(id: number): GgmlTypeName | undefined {
  return rowsById.get(id)?.name;
}

export function ggmlTypeId(name: string): GgmlTypeId | undefined {
  return rowsByName.get(name.toUpperCase())?.id as GgmlTypeId | undefined;
}
