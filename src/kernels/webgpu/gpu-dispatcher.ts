import { bindBuffers, MAX_LOGICAL_BUFFERS, type BufferSpec } from "./wgsl-bindings.js";
import {
  BufferUsage, MapModeRead, type GpuBindGroupLike, type GpuBufferLike, type GpuCommandEncoderLike, type GpuComputePassLike,
  type GpuComputePipelineLike, type GpuDeviceLike,
} from "./gpu-types.js";
import { GpuUploadArena, type GpuSpan } from "./gpu-upload-arena.js";

/** Uniform words a dispatch passes: plain numbers are u32, { f } is an f32. */
export type UniformValue = number | { readonly f: number };

/** A logical buffer of a dispatch: a GPU buffer and the element (u32/f32 word) where the kernel's index 0 sits. */
export interface Bind {
  readonly buffer: GpuBufferLike;
  readonly offset: number;
}

const PARAM_BYTES = 64;
/** The logical buffers' element offsets sit at 256 (WebGPU's largest minUniformBufferOffsetAlignment) in the same buffer. */
const OFFSETS_AT = 256;
const UNIFORM_BYTES = OFFSETS_AT + MAX_LOGICAL_BUFFERS * 4;
const MAX_CACHED_GROUPS = 4096;

interface Staging {
  readonly buffer: GpuBufferLike;
  busy: boolean;
}

/**
 * Records compute dispatches and copies into one command encoder until `submit`, caching a pipeline per shader
 * text and reusing a pool of small uniform buffers (each dispatch of a submission gets its own; the
 * queue.writeBuffer of the next submission is ordered after this one's work). Host data an op reads goes through
 * the upload arena; read-back through a pool of staging buffers.
 */
export class GpuDispatcher {
  /** Ops recorded so far (dispatches and copies): a host array handed out by a read stays valid until this moves. */
  recorded = 0;
  private pipelines = new Map<string, GpuComputePipelineLike>();
  private groups = new Map<string, GpuBindGroupLike>();
  private ids = new WeakMap<GpuBufferLike, number>();
  private nextId = 1;
  private uniforms: GpuBufferLike[] = [];
  private nextUniform = 0;
  private encoder: GpuCommandEncoderLike | null = null;
  private pass: GpuComputePassLike | null = null;
  private words = new ArrayBuffer(UNIFORM_BYTES);
  private u32 = new Uint32Array(this.words);
  private f32 = new Float32Array(this.words);
  private readonly arena: GpuUploadArena;
  private readonly staging: Staging[] = [];
  private retired: GpuBufferLike[] = [];

  constructor(readonly device: GpuDeviceLike) {
    this.arena = new GpuUploadArena(device);
  }

  /**
   * Records one dispatch. offsets: element offset of each logical buffer (views, arena spans); absent = all 0.
   */
  dispatch(key: string, wgsl: (bindings: string) => string, specs: readonly BufferSpec[], buffers: readonly GpuBufferLike[],
    uniforms: readonly UniformValue[], groups: readonly [number, number?, number?], offsets?: readonly number[]): void {
    const bound = bindBuffers(specs, buffers);
    const fullKey = `${key}|${bound.key}`;
    let pipeline = this.pipelines.get(fullKey);
    if (!pipeline) {
      const module = this.device.createShaderModule({ code: wgsl(bound.wgsl), label: fullKey });
      pipeline = this.device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" }, label: fullKey });
      this.pipelines.set(fullKey, pipeline);
    }
    const ub = this.uniform(uniforms, offsets);
    // A forward step repeats the same dispatches on the same buffers with the same pool slots, so its bind groups
    // are made once and found again by (pipeline, uniform slot, buffer ids).
    let groupKey = `${fullKey}|${this.nextUniform - 1}`;
    for (const b of bound.buffers) groupKey += `,${this.bufferId(b)}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      if (this.groups.size >= MAX_CACHED_GROUPS) this.groups.clear();
      const entries = [{ binding: 0, resource: { buffer: ub, offset: 0, size: PARAM_BYTES } },
        ...bound.buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
        { binding: bound.offsetsBinding, resource: { buffer: ub, offset: OFFSETS_AT, size: MAX_LOGICAL_BUFFERS * 4 } }];
      group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      this.groups.set(groupKey, group);
    }
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.recorded++;
  }

  /** dispatch over logical buffers given as (buffer, element offset). */
  run(key: string, wgsl: (bindings: string) => string, specs: readonly BufferSpec[], binds: readonly Bind[],
    uniforms: readonly UniformValue[], groups: readonly [number, number?, number?]): void {
    this.dispatch(key, wgsl, specs, binds.map((b) => b.buffer), uniforms, groups, binds.map((b) => b.offset));
  }

  /** Copies host data into this submission's upload space (see GpuUploadArena). */
  stage(data: ArrayBufferView): GpuSpan {
    return this.arena.stage(data);
  }

  private bufferId(b: GpuBufferLike): number {
    let id = this.ids.get(b);
    if (id === undefined) this.ids.set(b, (id = this.nextId++));
    return id;
  }

  private uniform(values: readonly UniformValue[], offsets: readonly number[] | undefined): GpuBufferLike {
    if (values.length * 4 > PARAM_BYTES) throw new RangeError(`GpuDispatcher: ${values.length} uniform words (max ${PARAM_BYTES / 4})`);
    this.u32.fill(0);
    values.forEach((v, i) => {
      if (typeof v === "number") this.u32[i] = v >>> 0;
      else this.f32[i] = v.f;
    });
    if (offsets) for (let i = 0; i < offsets.length; i++) this.u32[OFFSETS_AT / 4 + i] = offsets[i]! >>> 0;
    if (this.nextUniform === this.uniforms.length) {
      this.uniforms.push(this.device.createBuffer({ size: UNIFORM_BYTES, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST }));
    }
    const ub = this.uniforms[this.nextUniform++]!;
    this.device.queue.writeBuffer(ub, 0, this.words);
    return ub;
  }

  private computePass(): GpuComputePassLike {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  private commandEncoder(): GpuCommandEncoderLike {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  /** Records a buffer-to-buffer copy (byte offsets and size multiples of 4; src and dst distinct buffers). */
  copy(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number, size: number): void {
    if (size > 0) this.commandEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
    this.recorded++;
  }

  /** Destroys a buffer once the work recorded so far is submitted (recorded commands may still use it). */
  retire(buffer: GpuBufferLike): void {
    if (this.encoder) this.retired.push(buffer);
    else buffer.destroy();
  }

  /** Submits everything recorded since the last submit, with the host data it reads. */
  submit(): void {
    if (!this.encoder) return;
    const enc = this.commandEncoder();
    this.encoder = null;
    this.arena.flush();
    this.device.queue.submit([enc.finish()]);
    this.arena.recycle();
    this.nextUniform = 0;
    for (const b of this.retired) b.destroy();
    this.retired = [];
  }

  /**
   * Submits, then copies `size` bytes of `buffer` from `byteOffset` (a multiple of 4) to the host: into `into` when
   * given (at least size bytes), else a new array.
   */
  async readBytes(buffer: GpuBufferLike, byteOffset: number, size: number, into?: Uint8Array): Promise<Uint8Array> {
    const padded = Math.max(4, Math.ceil(size / 4) * 4);
    const st = this.stagingBuffer(padded);
    this.commandEncoder().copyBufferToBuffer(buffer, byteOffset, st.buffer, 0, padded);
    this.submit();
    try {
      await st.buffer.mapAsync(MapModeRead, 0, padded);
      const mapped = new Uint8Array(st.buffer.getMappedRange(0, padded), 0, size);
      const out = into ?? new Uint8Array(size);
      out.set(mapped);
      st.buffer.unmap();
      return out;
    } finally {
      st.busy = false;
    }
  }

  /** A free staging buffer of at least `size` bytes (several reads may be in flight at once). */
  private stagingBuffer(size: number): Staging {
    let best: Staging | null = null;
    for (const s of this.staging) {
      if (!s.busy && s.buffer.size >= size && (!best || s.buffer.size < best.buffer.size)) best = s;
    }
    if (!best) {
      best = { buffer: this.device.createBuffer({ size: 2 ** Math.ceil(Math.log2(size)), usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }), busy: false };
      this.staging.push(best);
    }
    best.busy = true;
    return best;
  }

  /** Submits and waits until the GPU has finished it (for timing). */
  async finish(): Promise<void> {
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
  }
}
