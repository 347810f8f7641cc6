import { FormatError } from "../errors.js";
import type { ByteSource } from "../formats/byte-source.js";

interface FileReaderSyncLike {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}
type FileReaderSyncCtor = new () => FileReaderSyncLike;

/** FileReaderSync exists only in Web Workers (not on a page's main thread, not in Node). */
export function fileReaderSyncAvailable(): boolean {
  return typeof (globalThis as { FileReaderSync?: FileReaderSyncCtor }).FileReaderSync === "function";
}

/**
 * A Blob or File (e.g. from <input type="file">) read by position with FileReaderSync, so a Web Worker parses
 * the GGUF header and copies each tensor into WebAssembly memory without first holding the whole file in memory.
 */
export function blobByteSource(name: string, blob: Blob): ByteSource {
  const Reader = (globalThis as { FileReaderSync?: FileReaderSyncCtor }).FileReaderSync;
  if (!Reader) throw new FormatError(name, "FileReaderSync is available only in a Web Worker: read the Blob into memory instead");
  let open: Blob | undefined = blob;
  const reader = new Reader();
  return {
    name,
    sizeBytes: blob.size,
    get closed() {
      return open === undefined;
    },
    readInto(position: number, dst: Uint8Array): number {
      if (open === undefined) throw new FormatError(name, "read after close()");
      const end = Math.min(open.size, position + dst.length);
      if (position < 0 || end <= position) return 0;
      const bytes = new Uint8Array(reader.readAsArrayBuffer(open.slice(position, end)));
      dst.set(bytes);
      return bytes.length;
    },
    close(): void {
      open = undefined;
    },
  };
}
