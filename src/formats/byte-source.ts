import { FormatError } from "../errors.js";

/**
 * Random-access bytes a parser reads by position: a file on disk (Node), a buffer in memory, a browser Blob.
 * `name` is what errors call the source (a path, or a file name the user chose).
 */
export interface ByteSource {
  readonly name: string;
  readonly sizeBytes: number;
  /** Copies bytes [position, position + dst.length) into dst; returns how many were copied (fewer only at the end). */
  readInto(position: number, dst: Uint8Array): number;
  /** Releases the file or buffer; reads after close throw. */
  close(): void;
  readonly closed: boolean;
}

/** Bytes already in memory (an ArrayBuffer, or a view of one): reads are copies, nothing else is allocated. */
export function memoryByteSource(name: string, bytes: ArrayBuffer | Uint8Array): ByteSource {
  return new MemoryByteSource(name, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
}

class MemoryByteSource implements ByteSource {
  private bytes: Uint8Array | undefined;
  readonly sizeBytes: number;

  constructor(readonly name: string, bytes: Uint8Array) {
    this.bytes = bytes;
    this.sizeBytes = bytes.byteLength;
  }

  get closed(): boolean {
    return this.bytes === undefined;
  }

  readInto(position: number, dst: Uint8Array): number {
    if (this.bytes === undefined) throw new FormatError(this.name, "read after close()");
    const end = Math.min(this.sizeBytes, position + dst.length);
    if (position < 0 || end <= position) return 0;
    dst.set(this.bytes.subarray(position, end));
    return end - position;
  }

  close(): void {
    this.bytes = undefined;
  }
}
