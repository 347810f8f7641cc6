import { closeSync, fstatSync, openSync } from "node:fs";
import { FormatError } from "../errors.js";
import { isRecord } from "./is-record.js";
import { checkJsonDepth } from "./parse-model-json.js";
import { readFully } from "./read-fully.js";
import { safetensorsDtypeSizeBytes } from "./safetensors-dtype.js";
import type { SafetensorsDtype } from "./safetensors-dtype.js";

/** A tensor in a safetensors file. */
export interface HfTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  /** Row-major: shape[shape.length - 1] is the contiguous dimension. */
  shape: number[];
  /** The file holding it. */
  file: string;
  /** Absolute byte offset in `file`. */
  offset: number;
  sizeBytes: number;
}

export interface SafetensorsFile {
  readonly path: string;
  readonly fileSizeBytes: number;
  /** The header's `__metadata__` (string to string), empty when absent. */
  readonly metadata: Record<string, string>;
  readonly tensors: HfTensorInfo[];
  tensor(name: string): HfTensorInfo | undefined;
  readTensorBytes(info: HfTensorInfo): Uint8Array;
  close(): void;
}

// The reference implementation refuses headers over 100 MB (safetensors/src/tensor.rs, MAX_HEADER_SIZE).
const maxHeaderBytes = 100_000_000;

/** Opens a .safetensors file: u64 LE header length, a JSON header, then the data. Validates every entry. */
export function openSafetensors(path: string): SafetensorsFile {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new FormatError(path, `cannot open: ${(err as Error).message}`);
  }
  try {
    return readSafetensors(path, fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function readSafetensors(path: string, fd: number): SafetensorsFile {
  const fileSizeBytes = fstatSync(fd).size;
  if (fileSizeBytes < 8) throw new FormatError(path, `file of ${fileSizeBytes} bytes is too short for a safetensors header`);
  const lengthBytes = new Uint8Array(8);
  readFully(fd, lengthBytes, 0);
  const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(fileSizeBytes - 8, maxHeaderBytes))) {
    throw new FormatError(path, `header length ${headerLength} does not fit in the file of ${fileSizeBytes} bytes (truncated or not safetensors)`);
  }
  const headerBytes = new Uint8Array(Number(headerLength));
  readFully(fd, headerBytes, 8);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (err) {
    throw new FormatError(path, `header is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  checkJsonDepth(path, header);
  if (!isRecord(header)) throw new FormatError(path, "header is not a JSON object");
  const dataOffset = 8 + headerBytes.length;
  const dataSizeBytes = fileSizeBytes - dataOffset;
  const metadata: Record<string, string> = {};
  const tensors: HfTensorInfo[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!isRecord(entry)) throw new FormatError(path, "__metadata__ is not an object");
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== "string") throw new FormatError(path, `__metadata__.${k} is ${JSON.stringify(v)}, not a string`);
        metadata[k] = v;
      }
      continue;
    }
    tensors.push(readEntry(path, name, entry, dataOffset, dataSizeBytes));
  }
  checkNoOverlap(path, tensors);
  return new SafetensorsReader(path, fd, fileSizeBytes, metadata, tensors);
}

function readEntry(path: string, name: string, entry: unknown, dataOffset: number, dataSizeBytes: number): HfTensorInfo {
  if (!isRecord(entry)) throw new FormatError(path, `tensor ${name}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry;
  const elementBytes = typeof dtype === "string" ? safetensorsDtypeSizeBytes(dtype) : undefined;
  if (elementBytes === undefined) throw new FormatError(path, `tensor ${name} has dtype ${JSON.stringify(dtype)}, which safetensors does not define`);
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(path, `tensor ${name} has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o): o is number => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new FormatError(path, `tensor ${name} has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataSizeBytes) {
    throw new FormatError(path, `tensor ${name} ends at data byte ${end}, past the end of the data (${dataSizeBytes} bytes)`);
  }
  let expected = elementBytes;
  for (const d of shape) expected *= d;
  if (!Number.isSafeInteger(expected) || expected !== end - begin) {
    throw new FormatError(
      path,
      `tensor ${name} has ${end - begin} bytes, but ${dtype as string} of shape [${shape.join(", ")}] needs ${expected}`,
    );
  }
  return { name, dtype: dtype as HfTensorInfo["dtype"], shape, file: path, offset: dataOffset + begin, sizeBytes: end - begin };
}

function checkNoOverlap(path: string, tensors: HfTensorInfo[]): void {
  const sorted = tensors.filter((t) => t.sizeBytes > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (sorted[i]!.offset < prev.offset + prev.sizeBytes) {
      throw new FormatError(path, `tensors ${prev.name} and ${sorted[i]!.name} overlap`);
    }
  }
}

class SafetensorsReader implements SafetensorsFile {
  private readonly byName: Map<string, HfTensorInfo>;
  private fd: number | undefined;

  constructor(
    readonly path: string,
    fd: number,
    readonly fileSizeBytes: number,
    readonly metadata: Record<string, string>,
    readonly tensors: HfTensorInfo[],
  ) {
    this.fd = fd;
    this.byName = new Map(tensors.map((t) => [t.name, t]));
  }

  tensor(name: string): HfTensorInfo | undefined {
    return this.byName.get(name);
  }

  readTensorBytes(info: HfTensorInfo): Uint8Array {
    if (this.fd === undefined) throw new FormatError(this.path, "read after close()");
    if (info.file !== this.path) throw new FormatError(this.path, `tensor ${info.name} belongs to ${info.file}`);
    const dst = new Uint8Array(info.sizeBytes);
    if (readFully(this.fd, dst, info.offset) !== dst.length) {
      throw new FormatError(this.path, `short read of tensor ${info.name}: the file shrank`);
    }
    return dst;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
