import { FormatError } from "../errors.js";
import type { ByteSource } from "./byte-source.js";

const firstWindowBytes = 64 * 1024;
const maxWindowBytes = 16 * 1024 * 1024;

/**
 * Reads little-endian values sequentially from a byte source (file or memory) through a window of positional reads that grows as the
 * header turns out larger, so parsing a header never loads the whole file. Every read is checked against the
 * file size first, so a corrupt length fails with a FormatError instead of a huge allocation.
 */
export class FileCursor {
  position = 0;
  private window = new Uint8Array(0);
  private view = new DataView(this.window.buffer);
  private windowStart = 0;
  private nextWindowBytes = firstWindowBytes;
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true }); // a token may be a lone BOM

  readonly path: string;
  readonly fileSizeBytes: number;

  constructor(private readonly source: ByteSource) {
    this.path = source.name;
    this.fileSizeBytes = source.sizeBytes;
  }

  get remainingBytes(): number {
    return this.fileSizeBytes - this.position;
  }

  /** Makes `n` bytes at the current position available in the window; `what` names the value for the error. */
  private need(n: number, what: string): number {
    if (n > this.remainingBytes) {
      throw new FormatError(
        this.path,
        `${what} needs ${n} bytes at offset ${this.position}, but the file ends at ${this.fileSizeBytes} (truncated or corrupt)`,
      );
    }
    const start = this.position - this.windowStart;
    if (start >= 0 && start + n <= this.window.length) return start;
    const size = Math.min(Math.max(n, this.nextWindowBytes), this.remainingBytes);
    this.nextWindowBytes = Math.min(this.nextWindowBytes * 2, maxWindowBytes);
    this.window = new Uint8Array(size);
    this.view = new DataView(this.window.buffer);
    this.windowStart = this.position;
    const got = this.source.readInto(this.position, this.window);
    if (got < n) throw new FormatError(this.path, `${what}: short read at offset ${this.position}`);
    return 0;
  }

  u8(what: string): number {
    const at = this.need(1, what);
    this.position += 1;
    return this.view.getUint8(at);
  }
  i8(what: string): number {
    const at = this.need(1, what);
    this.position += 1;
    return this.view.getInt8(at);
  }
  u16(what: string): number {
    const at = this.need(2, what);
    this.position += 2;
    return this.view.getUint16(at, true);
  }
  i16(what: string): number {
    const at = this.need(2, what);
    this.position += 2;
    return this.view.getInt16(at, true);
  }
  u32(what: string): number {
    const at = this.need(4, what);
    this.position += 4;
    return this.view.getUint32(at, true);
  }
  i32(what: string): number {
    const at = this.need(4, what);
    this.position += 4;
    return this.view.getInt32(at, true);
  }
  f32(what: string): number {
    const at = this.need(4, what);
    this.position += 4;
    return this.view.getFloat32(at, true);
  }
  f64(what: string): number {
    const at = this.need(8, what);
    this.position += 8;
    return this.view.getFloat64(at, true);
  }
  u64(what: string): bigint {
    const at = this.need(8, what);
    this.position += 8;
    return this.view.getBigUint64(at, true);
  }
  i64(what: string): bigint {
    const at = this.need(8, what);
    this.position += 8;
    return this.view.getBigInt64(at, true);
  }

  /** A u64 that must be a count or offset: a number, at most `max` (by default: what fits in the rest of the file). */
  u64Count(what: string, max: number, limit = "that fit in the rest of the file"): number {
    const value = this.u64(what);
    const clamped = Math.max(0, max);
    if (value > BigInt(clamped)) throw new FormatError(this.path, `${what} is ${value}, more than the ${clamped} ${limit}`);
    return Number(value);
  }

  bytes(n: number, what: string): Uint8Array {
    const at = this.need(n, what);
    this.position += n;
    return this.window.subarray(at, at + n);
  }

  /** A GGUF string: u64 byte length, then UTF-8 bytes (not NUL-terminated). */
  string(what: string): string {
    const length = this.u64Count(`${what} length`, this.remainingBytes - 8);
    return this.decoder.decode(this.bytes(length, what));
  }
}
