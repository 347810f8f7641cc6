import type { GgufKv, GgufValue } from "./gguf-value-type.js";

export interface GgufTensorInfo {
  name: string;
  /** ggml type id (GgmlType). */
  type: number;
  /** GGUF ne order: shape[0] is the contiguous dimension. */
  shape: number[];
  /** Absolute byte offset in the file. */
  offset: number;
  sizeBytes: number;
}

/** An open GGUF file: its header parsed and validated; tensor data read on demand by offset. */
export interface GgufFile {
  readonly path: string;
  readonly version: number;
  readonly alignment: number;
  /** Absolute offset of the tensor data section. */
  readonly dataOffset: number;
  readonly fileSizeBytes: number;
  /** In file order, with their exact types (for lossless re-writing). */
  readonly kvs: GgufKv[];
  readonly metadata: Map<string, GgufValue>;
  readonly tensors: GgufTensorInfo[];
  tensor(name: string): GgufTensorInfo | undefined;
  /** A fresh copy of the tensor's bytes, read at its offset. */
  readTensorBytes(info: GgufTensorInfo): Uint8Array;
  /** Reads `dst.length` bytes of the file at `position` into `dst` (no allocation). */
  readBytesInto(position: number, dst: Uint8Array): void;
  /** Typed metadata getters: undefined when the key is absent, FormatError when it holds another type. */
  getString(key: string): string | undefined;
  /** Integers and floats; a 64-bit integer past 2^53 is rounded to the nearest double. */
  getNumber(key: string): number | undefined;
  getBool(key: string): boolean | undefined;
  getArray(key: string): GgufValue[] | undefined;
  close(): void;
}
