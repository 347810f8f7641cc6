import { closeSync, fstatSync, openSync } from "node:fs";
import { FormatError } from "../errors.js";
import type { ByteSource } from "./byte-source.js";
import { readFully } from "./read-fully.js";

/** A file on disk read with positional reads (Node only); throws FormatError naming the path when it cannot open. */
export function fileByteSource(path: string): ByteSource {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new FormatError(path, `cannot open: ${(err as Error).message}`);
  }
  try {
    return new FileByteSource(path, fd, fstatSync(fd).size);
  } catch (err) {
    closeSync(fd);
    throw new FormatError(path, `cannot stat: ${(err as Error).message}`);
  }
}

class FileByteSource implements ByteSource {
  private fd: number | undefined;

  constructor(readonly name: string, fd: number, readonly sizeBytes: number) {
    this.fd = fd;
  }

  get closed(): boolean {
    return this.fd === undefined;
  }

  readInto(position: number, dst: Uint8Array): number {
    if (this.fd === undefined) throw new FormatError(this.name, "read after close()");
    return readFully(this.fd, dst, position);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
