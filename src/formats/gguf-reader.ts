import { FormatError } from "../errors.js";
import type { ByteSource } from "./byte-source.js";
import { memoryByteSource } from "./byte-source.js";
import { FileCursor } from "./file-cursor.js";
import type { GgufFile, GgufTensorInfo } from "./gguf-file.js";
import { readGgufKv } from "./gguf-metadata-reader.js";
import { GgufValueType } from "./gguf-value-type.js";
import type { GgufKv, GgufValue } from "./gguf-value-type.js";
import { ggmlTensorSizeBytes } from "./ggml-type-size.js";

export const ggufMagic = 0x46554747; // "GGUF" read as a little-endian u32
export const ggufDefaultAlignment = 32;
const maxDims = 4; // GGML_MAX_DIMS
const minKvBytes = 8 + 4 + 1; // key length, value type, smallest value
const minTensorInfoBytes = 8 + 4 + 4 + 8; // name length, n_dims, type, offset

/**
 * Parses and validates a GGUF header (versions 2 and 3) from any byte source; tensor data stays in the source and
 * is read on demand. The GgufFile owns the source: its close() closes the source, also when parsing fails.
 */
export function openGgufSource(source: ByteSource): GgufFile {
  try {
    return new GgufFileReader(source);
  } catch (err) {
    source.close();
    throw err;
  }
}

/** A GGUF held in memory (e.g. a file a browser page read): `name` is what errors call it. */
export function openGgufFromBytes(name: string, bytes: ArrayBuffer | Uint8Array): GgufFile {
  return openGgufSource(memoryByteSource(name, bytes));
}

class GgufFileReader implements GgufFile {
  readonly version: number;
  readonly alignment: number;
  readonly dataOffset: number;
  readonly fileSizeBytes: number;
  readonly kvs: GgufKv[] = [];
  readonly metadata = new Map<string, GgufValue>();
  readonly tensors: GgufTensorInfo[] = [];
  private readonly byName = new Map<string, GgufTensorInfo>();
  readonly path: string;

  constructor(private readonly source: ByteSource) {
    const path = source.name;
    this.path = path;
    this.fileSizeBytes = source.sizeBytes;
    const cursor = new FileCursor(source);
    const magic = cursor.u32("magic");
    if (magic !== ggufMagic) {
      throw new FormatError(path, `not a GGUF file: magic is 0x${magic.toString(16).padStart(8, "0")}, expected "GGUF"`);
    }
    this.version = cursor.u32("version");
    if (this.version === 1) {
      throw new FormatError(path, "GGUF version 1 (32-bit counts, 2023) is not supported: re-convert the model to version 3");
    }
    if (this.version !== 2 && this.version !== 3) {
      const swapped = (this.version >>> 24) | ((this.version >>> 8) & 0xff00);
      const hint = swapped === 2 || swapped === 3 ? " (a big-endian GGUF file, which is not supported)" : "";
      throw new FormatError(path, `unsupported GGUF version ${this.version}${hint}`);
    }
    const tensorCount = cursor.u64Count("tensor count", Math.floor((cursor.remainingBytes - 16) / minTensorInfoBytes));
    const kvCount = cursor.u64Count("metadata key count", Math.floor((cursor.remainingBytes - 8) / minKvBytes));

    for (let i = 0; i < kvCount; i++) {
      const kv = readGgufKv(cursor, i);
      if (this.metadata.has(kv.key)) throw new FormatError(path, `metadata key ${kv.key} appears twice`);
      this.kvs.push(kv);
      this.metadata.set(kv.key, kv.value);
    }
    this.alignment = this.readAlignment();

    const relative: number[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const info = this.readTensorInfo(cursor, i);
      relative.push(info.offset);
      this.tensors.push(info);
    }
    this.dataOffset = alignUp(cursor.position, this.alignment);
    const dataSizeBytes = this.fileSizeBytes - this.dataOffset;
    for (let i = 0; i < tensorCount; i++) {
      const info = this.tensors[i]!;
      const offset = relative[i]!;
      if (offset + info.sizeBytes > dataSizeBytes) {
        throw new FormatError(
          path,
          `tensor ${info.name} spans data bytes ${offset}..${offset + info.sizeBytes}, past the end of the file (data section holds ${Math.max(0, dataSizeBytes)} bytes)`,
        );
      }
      info.offset = this.dataOffset + offset;
    }
    this.checkNoOverlap();
  }

  // Tensors sharing bytes would let a small file declare many layers that each load (and cost) the same data
  // again: 300 layers over one layer's bytes made a 3.9 MB file a 588 MB server. llama.cpp (gguf.cpp) goes
  // further and requires the tensors to be contiguous in order.
  private checkNoOverlap(): void {
    const sorted = this.tensors.filter((t) => t.sizeBytes > 0).sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const next = sorted[i]!;
      if (next.offset < prev.offset + prev.sizeBytes) {
        throw new FormatError(
          this.path,
          `tensors ${prev.name} (bytes ${prev.offset}..${prev.offset + prev.sizeBytes}) and ${next.name} (from byte ${next.offset}) overlap`,
        );
      }
    }
  }

  private readAlignment(): number {
    const kv = this.kvs.find((k) => k.key === "general.alignment");
    if (!kv) return ggufDefaultAlignment;
    const value = kv.value;
    if (kv.type !== GgufValueType.UINT32 || typeof value !== "number" || value === 0 || (value & (value - 1)) !== 0) {
      throw new FormatError(this.path, `metadata key general.alignment is ${String(value)}, expected a power of two stored as uint32`);
    }
    return value;
  }

  private readTensorInfo(cursor: FileCursor, index: number): GgufTensorInfo {
    const name = cursor.string(`name of tensor #${index}`);
    if (this.byName.has(name)) throw new FormatError(this.path, `tensor ${name} appears twice`);
    const nDims = cursor.u32(`dimension count of tensor ${name}`);
    if (nDims > maxDims) throw new FormatError(this.path, `tensor ${name} has ${nDims} dimensions, more than ${maxDims}`);
    // A zero dimension empties a tensor whatever the others say, so each dimension is bounded on its own: no
    // format stores more than 8 values per byte (IQ1_S: 256 in 50 bytes), so none can exceed 8 × the file size.
    const maxDim = Math.max(1, this.fileSizeBytes * 8);
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) {
      shape.push(cursor.u64Count(`dimension ${d} of tensor ${name}`, maxDim, "values a file of this size can hold"));
    }
    const type = cursor.u32(`type of tensor ${name}`);
    const offset = cursor.u64Count(`offset of tensor ${name}`, Number.MAX_SAFE_INTEGER, "an offset can be");
    const sizeBytes = ggmlTensorSizeBytes(type, shape);
    if (typeof sizeBytes === "string") throw new FormatError(this.path, `tensor ${name} has ${sizeBytes}`);
    if (offset % this.alignment !== 0) {
      throw new FormatError(this.path, `tensor ${name} has data offset ${offset}, not a multiple of the alignment ${this.alignment}`);
    }
    const info: GgufTensorInfo = { name, type, shape, offset, sizeBytes };
    this.byName.set(name, info);
    return info;
  }

  tensor(name: string): GgufTensorInfo | undefined {
    return this.byName.get(name);
  }

  readTensorBytes(info: GgufTensorInfo): Uint8Array {
    const dst = new Uint8Array(info.sizeBytes);
    this.readBytesInto(info.offset, dst);
    return dst;
  }

  readBytesInto(position: number, dst: Uint8Array): void {
    if (this.source.closed) throw new FormatError(this.path, "read after close()");
    if (position < 0 || position + dst.length > this.fileSizeBytes) {
      throw new FormatError(this.path, `read of ${dst.length} bytes at offset ${position} is past the end of the file`);
    }
    const got = this.source.readInto(position, dst);
    if (got !== dst.length) throw new FormatError(this.path, `short read at offset ${position}: the file shrank`);
  }

  getString(key: string): string | undefined {
    return this.typed(key, "string", (v): v is string => typeof v === "string");
  }

  getNumber(key: string): number | undefined {
    const value = this.typed(key, "number", (v): v is number | bigint => typeof v === "number" || typeof v === "bigint");
    return value === undefined ? undefined : Number(value);
  }

  getBool(key: string): boolean | undefined {
    return this.typed(key, "bool", (v): v is boolean => typeof v === "boolean");
  }

  getArray(key: string): GgufValue[] | undefined {
    return this.typed(key, "array", (v): v is GgufValue[] => Array.isArray(v));
  }

  private typed<T extends GgufValue>(key: string, expected: string, is: (v: GgufValue) => v is T): T | undefined {
    const value = this.metadata.get(key);
    if (value === undefined) return undefined;
    if (!is(value)) {
      const actual = Array.isArray(value) ? "an array" : `${typeof value} ${String(value)}`;
      throw new FormatError(this.path, `metadata key ${key} is ${actual}, expected a ${expected}`);
    }
    return value;
  }

  close(): void {
    this.source.close();
  }
}

export function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}
