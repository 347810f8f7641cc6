import { writeSync } from "node:fs";

const bufferBytes = 1 << 20;

/** Little-endian sequential writes into a 1 MiB buffer, flushed to `fd` as it fills; large byte runs go straight through. */
export class BufferedFileWriter {
  private readonly buffer = new Uint8Array(bufferBytes);
  private readonly view = new DataView(this.buffer.buffer);
  private used = 0;
  /** Bytes written so far, buffered or not. */
  position = 0;

  constructor(private readonly fd: number) {}

  private room(n: number): number {
    if (this.used + n > this.buffer.length) this.flush();
    const at = this.used;
    this.used += n;
    this.position += n;
    return at;
  }

  u8(v: number): void {
    this.view.setUint8(this.room(1), v);
  }
  i8(v: number): void {
    this.view.setInt8(this.room(1), v);
  }
  u16(v: number): void {
    this.view.setUint16(this.room(2), v, true);
  }
  i16(v: number): void {
    this.view.setInt16(this.room(2), v, true);
  }
  u32(v: number): void {
    this.view.setUint32(this.room(4), v, true);
  }
  i32(v: number): void {
    this.view.setInt32(this.room(4), v, true);
  }
  f32(v: number): void {
    this.view.setFloat32(this.room(4), v, true);
  }
  f64(v: number): void {
    this.view.setFloat64(this.room(8), v, true);
  }
  u64(v: bigint): void {
    this.view.setBigUint64(this.room(8), v, true);
  }
  i64(v: bigint): void {
    this.view.setBigInt64(this.room(8), v, true);
  }

  bytes(data: Uint8Array): void {
    if (data.length <= this.buffer.length - this.used) {
      this.buffer.set(data, this.room(data.length));
      return;
    }
    this.flush();
    writeAll(this.fd, data);
    this.position += data.length;
  }

  zeros(n: number): void {
    for (let i = 0; i < n; i++) this.u8(0);
  }

  flush(): void {
    if (this.used > 0) writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, Math.min(data.length - done, 1 << 30));
}
