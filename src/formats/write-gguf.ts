import { closeSync, openSync, unlinkSync } from "node:fs";
import { FormatError } from "../errors.js";
import { BufferedFileWriter } from "./buffered-file-writer.js";
import { ggmlTensorSizeBytes } from "./ggml-type-size.js";
import { GgufValueType, ggufValueTypeName } from "./gguf-value-type.js";
import type { GgufArrayType, GgufKv, GgufValue } from "./gguf-value-type.js";
import { alignUp, ggufDefaultAlignment, ggufMagic } from "./gguf-reader.js";
import { inferArrayType } from "./gguf-kv.js";

export { ggufKv, inferGgufType } from "./gguf-kv.js";

export interface GgufWriteTensor {
  name: string;
  /** ggml type id. */
  type: number;
  /** ne order: shape[0] contiguous. */
  shape: number[];
  /** The bytes, or a function producing them when their turn comes (so big models stream through). */
  data: Uint8Array | (() => Uint8Array);
}

export interface GgufWriteOptions {
  version?: 2 | 3;
  /** Must equal general.alignment when that key is present; defaults to it, else 32. */
  alignment?: number;
}

const encoder = new TextEncoder();

/**
 * Writes a GGUF file: header, key/values in the given order, tensor infos, then each tensor's data padded to
 * the alignment (gguf-py's layout, so a file read by openGguf is re-written byte for byte).
 */
export function writeGguf(path: string, kvs: GgufKv[], tensors: GgufWriteTensor[], opts: GgufWriteOptions = {}): void {
  const alignment = checkAlignment(path, kvs, opts.alignment);
  const relativeOffsets: number[] = [];
  const sizes: number[] = [];
  const seen = new Set<string>();
  let dataSizeBytes = 0;
  for (const t of tensors) {
    if (seen.has(t.name)) throw new FormatError(path, `tensor ${t.name} is given twice`);
    // ggml keeps names in char[GGML_MAX_NAME = 64] and tensors in at most GGML_MAX_DIMS = 4 dimensions.
    if (encoder.encode(t.name).length >= 64) throw new FormatError(path, `tensor name ${t.name} is 64 bytes or longer (ggml's limit)`);
    if (t.shape.length > 4) throw new FormatError(path, `tensor ${t.name} has ${t.shape.length} dimensions, more than 4`);
    seen.add(t.name);
    const size = ggmlTensorSizeBytes(t.type, t.shape);
    if (typeof size === "string") throw new FormatError(path, `tensor ${t.name} has ${size}`);
    relativeOffsets.push(dataSizeBytes);
    sizes.push(size);
    dataSizeBytes = alignUp(dataSizeBytes + size, alignment);
  }

  const fd = openSync(path, "w");
  try {
    const out = new BufferedFileWriter(fd);
    out.u32(ggufMagic);
    out.u32(opts.version ?? 3);
    out.u64(BigInt(tensors.length));
    out.u64(BigInt(kvs.length));
    for (const kv of kvs) writeKv(out, path, kv);
    tensors.forEach((t, i) => {
      writeString(out, t.name);
      out.u32(t.shape.length);
      for (const d of t.shape) out.u64(BigInt(d));
      out.u32(t.type);
      out.u64(BigInt(relativeOffsets[i]!));
    });
    if (tensors.length > 0) out.zeros(alignUp(out.position, alignment) - out.position);
    tensors.forEach((t, i) => {
      const data = typeof t.data === "function" ? t.data() : t.data;
      if (data.length !== sizes[i]) {
        throw new FormatError(path, `tensor ${t.name} has ${data.length} bytes of data, expected ${sizes[i]} for its type and shape`);
      }
      out.bytes(data);
      out.zeros(alignUp(out.position, alignment) - out.position);
    });
    out.flush();
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(path); // no half-written model file left behind
    throw err;
  }
}

function checkAlignment(path: string, kvs: GgufKv[], requested: number | undefined): number {
  const kv = kvs.find((k) => k.key === "general.alignment");
  const declared = kv === undefined ? ggufDefaultAlignment : kv.value;
  if (kv !== undefined && (kv.type !== GgufValueType.UINT32 || typeof declared !== "number")) {
    throw new FormatError(path, `metadata key general.alignment must be a uint32, got ${String(declared)}`);
  }
  const alignment = requested ?? (declared as number);
  if (alignment !== declared) {
    throw new FormatError(path, `alignment ${alignment} requested but general.alignment says ${String(declared)}: add or fix that key`);
  }
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new FormatError(path, `alignment ${alignment} is not a power of two`);
  }
  return alignment;
}

function writeString(out: BufferedFileWriter, s: string): void {
  const bytes = encoder.encode(s);
  out.u64(BigInt(bytes.length));
  out.bytes(bytes);
}

function writeKv(out: BufferedFileWriter, path: string, kv: GgufKv): void {
  writeString(out, kv.key);
  out.u32(kv.type);
  if (kv.type !== GgufValueType.ARRAY) {
    writeScalar(out, path, kv.key, kv.type, kv.value);
    return;
  }
  if (kv.itemType === undefined) throw new FormatError(path, `metadata key ${kv.key} is an array without an itemType`);
  writeArray(out, path, kv.key, { itemType: kv.itemType, items: kv.nested }, kv.value);
}

function writeArray(out: BufferedFileWriter, path: string, key: string, type: GgufArrayType, value: GgufValue): void {
  if (!Array.isArray(value)) throw new FormatError(path, `metadata key ${key} is declared an array but holds ${String(value)}`);
  out.u32(type.itemType);
  out.u64(BigInt(value.length));
  if (type.itemType !== GgufValueType.ARRAY) {
    for (const item of value) writeScalar(out, path, key, type.itemType, item);
    return;
  }
  value.forEach((item, i) => {
    const inner = type.items?.[i] ?? inferArrayType(item);
    writeArray(out, path, key, inner, item);
  });
}

const intRanges: Partial<Record<number, [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

function writeScalar(out: BufferedFileWriter, path: string, key: string, type: number, value: GgufValue): void {
  const bad = (): FormatError =>
    new FormatError(path, `metadata key ${key} holds ${String(value)}, which is not a valid ${ggufValueTypeName(type) ?? `type ${type}`}`);
  const range = intRanges[type];
  if (range) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < range[0] || value > range[1]) throw bad();
  }
  switch (type) {
    case GgufValueType.UINT8:
      return out.u8(value as number);
    case GgufValueType.INT8:
      return out.i8(value as number);
    case GgufValueType.UINT16:
      return out.u16(value as number);
    case GgufValueType.INT16:
      return out.i16(value as number);
    case GgufValueType.UINT32:
      return out.u32(value as number);
    case GgufValueType.INT32:
      return out.i32(value as number);
    case GgufValueType.FLOAT32:
    case GgufValueType.FLOAT64:
      if (typeof value !== "number") throw bad();
      return type === GgufValueType.FLOAT32 ? out.f32(value) : out.f64(value);
    case GgufValueType.BOOL:
      if (typeof value !== "boolean") throw bad();
      return out.u8(value ? 1 : 0);
    case GgufValueType.STRING:
      if (typeof value !== "string") throw bad();
      return writeString(out, value);
    case GgufValueType.UINT64:
    case GgufValueType.INT64: {
      if ((typeof value !== "number" || !Number.isInteger(value)) && typeof value !== "bigint") throw bad();
      const big = BigInt(value);
      const unsigned = type === GgufValueType.UINT64;
      if (unsigned ? big < 0n || big >= 1n << 64n : big < -(1n << 63n) || big >= 1n << 63n) throw bad();
      return unsigned ? out.u64(big) : out.i64(big);
    }
    default:
      throw bad();
  }
}
