import { BufferUsage, type GpuBufferLike, type GpuDeviceLike } from "./gpu-types.js";

const CHUNK_BYTES = 1 << 20;

interface Chunk {
  readonly buffer: GpuBufferLike;
  readonly host: Uint8Array;
  used: number;
}

/** Where staged host data sits on the GPU: a buffer and a byte offset (a multiple of 4). */
export interface GpuSpan {
  readonly buffer: GpuBufferLike;
  readonly byteOffset: number;
}

/**
 * Host data an op reads when it is recorded (token ids, positions, block tables, gather rows, written values):
 * copied into host mirrors of GPU chunks and uploaded with one writeBuffer per chunk just before the submit. A
 * queue.writeBuffer lands before the next submit, so one buffer rewritten by two ops of one encoder would hold only
 * the last values; here every op of a submission gets its own span, and the chunks are reused only after the submit
 * (later writes are ordered after the submitted work). Chunks persist, so a repeated step allocates nothing.
 */
export class GpuUploadArena {
  private readonly chunks: Chunk[] = [];
  private current = 0;

  constructor(private readonly device: GpuDeviceLike) {}

  /** Copies `data` into this submission's upload space. */
  stage(data: ArrayBufferView): GpuSpan {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const size = Math.max(4, Math.ceil(bytes.byteLength / 4) * 4);
    const chunk = this.chunkWithRoom(size);
    const byteOffset = chunk.used;
    chunk.host.set(bytes, byteOffset);
    chunk.used += size;
    return { buffer: chunk.buffer, byteOffset };
  }

  /** Uploads what was staged since the last submit; call right before queue.submit. */
  flush(): void {
    for (let i = 0; i <= this.current && i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      if (c.used > 0) this.device.queue.writeBuffer(c.buffer, 0, c.host, 0, c.used);
    }
  }

  /** Frees the space for the next submission; call right after queue.submit. */
  recycle(): void {
    for (const c of this.chunks) c.used = 0;
    this.current = 0;
    // A chunk made for one oversized upload is not kept (destroying it after the submit is allowed).
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const c = this.chunks[i]!;
      if (c.host.byteLength > CHUNK_BYTES) {
        c.buffer.destroy();
        this.chunks.splice(i, 1);
      }
    }
  }

  private chunkWithRoom(size: number): Chunk {
    for (; this.current < this.chunks.length; this.current++) {
      const c = this.chunks[this.current]!;
      if (c.host.byteLength - c.used >= size) return c;
    }
    const bytes = Math.max(CHUNK_BYTES, size);
    const buffer = this.device.createBuffer({ size: bytes, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
    const chunk: Chunk = { buffer, host: new Uint8Array(bytes), used: 0 };
    this.chunks.push(chunk);
    return chunk;
  }
}
