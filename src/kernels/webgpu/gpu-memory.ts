import { BufferUsage, type GpuBufferLike, type GpuDeviceLike } from "./gpu-types.js";
import type { Bind, GpuDispatcher } from "./gpu-dispatcher.js";
import type { GpuTensor } from "./gpu-tensor.js";

export const STORAGE = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;

interface HostRead {
  readonly bytes: Uint8Array;
  /** dispatcher.recorded when handed out: reusable once another op has been recorded (the readF32 contract). */
  handedAt: number;
  busy: boolean;
}

/**
 * GPU memory of one WebGpuKernels: storage buffers, host data staged for the ops that read it (ordered with the
 * recorded work), scratch space, and read-back into reused host arrays.
 */
export class GpuMemory {
  private readonly scratches = new Map<string, GpuBufferLike>();
  private readonly hostReads: HostRead[] = [];

  constructor(private readonly device: GpuDeviceLike, private readonly d: GpuDispatcher) {}

  /** A zero-filled storage buffer of at least `bytes` (whole words, at least 16 bytes). */
  storage(bytes: number): GpuBufferLike {
    return this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: STORAGE });
  }

  /** Writes host bytes into a buffer no recorded op uses yet (a new one): lands before the next submit. */
  uploadFresh(buffer: GpuBufferLike, data: ArrayBufferView): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const whole = bytes.byteLength - (bytes.byteLength % 4);
    if (whole > 0) this.device.queue.writeBuffer(buffer, 0, bytes, 0, whole);
    if (whole < bytes.byteLength) {
      const tail = new Uint8Array(4);
      tail.set(bytes.subarray(whole));
      this.device.queue.writeBuffer(buffer, whole, tail);
    }
  }

  /** Host int32 data (ids, positions, block tables) staged for the op being recorded. */
  indices(a: Int32Array, n = a.length): Bind {
    const s = this.d.stage(n === a.length ? a : a.subarray(0, n));
    return { buffer: s.buffer, offset: s.byteOffset / 4 };
  }

  /**
   * Writes host bytes into `dst` at `byteOffset` (a multiple of 4) in the order of the recorded work: staged, then
   * copied by the encoder. A trailing partial word keeps dst's other bytes.
   */
  writeOrdered(dst: GpuBufferLike, byteOffset: number, data: ArrayBufferView): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const whole = bytes.byteLength - (bytes.byteLength % 4);
    if (whole > 0) {
      const s = this.d.stage(bytes.subarray(0, whole));
      this.d.copy(s.buffer, s.byteOffset, dst, byteOffset, whole);
    }
    if (whole < bytes.byteLength) throw new RangeError(`GpuMemory.writeOrdered: ${bytes.byteLength} bytes is not whole words`);
  }

  /** A scratch buffer of at least `bytes` for `use` (reused; ops of one encoder run in order, so one per use suffices). */
  scratch(use: string, bytes: number): GpuBufferLike {
    let b = this.scratches.get(use);
    if (!b || b.size < bytes) {
      if (b) this.d.retire(b);
      b = this.storage(Math.max(bytes, 2 * (b?.size ?? 0)));
      this.scratches.set(use, b);
    }
    return b;
  }

  /** The first n values of t once the recorded work has run, in a host array reused after the next op. */
  async readF32(t: GpuTensor, n: number): Promise<Float32Array> {
    const size = n * 4;
    let entry: HostRead | undefined;
    for (const h of this.hostReads) {
      if (!h.busy && h.handedAt < this.d.recorded && h.bytes.byteLength >= size) { entry = h; break; }
    }
    if (!entry) {
      entry = { bytes: new Uint8Array(Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(size, 1))))), handedAt: 0, busy: false };
      this.hostReads.push(entry);
    }
    entry.busy = true;
    entry.handedAt = this.d.recorded;
    try {
      await this.d.readBytes(t.buffer, t.offset * 4, size, entry.bytes);
    } finally {
      entry.busy = false;
    }
    return new Float32Array(entry.bytes.buffer, 0, n);
  }

  /** A fresh host copy of the first n values of t. */
  async snapshot(t: GpuTensor, n: number): Promise<Float32Array> {
    const bytes = await this.d.readBytes(t.buffer, t.offset * 4, n * 4);
    return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  }
}
