import { bindBuffers, type BufferSpec } from "./wgsl-bindings.js";
import {
  BufferUsage, MapModeRead, type GpuBindGroupLike, type GpuBufferLike, type GpuCommandEncoderLike, type GpuComputePassLike,
  type GpuComputePipelineLike, type GpuDeviceLike,
} from "./gpu-types.js";

/** Uniform words a dispatch passes: plain numbers are u32, { f } is an f32. */
export type UniformValue = number | { readonly f: number };

const UNIFORM_BYTES = 64;
const MAX_CACHED_GROUPS = 4096;

/**
 * Records compute dispatches into one command encoder (one compute pass) until `submit`, caching a pipeline per
 * shader text and reusing a pool of small uniform buffers (each dispatch of a submission gets its own; the
 * queue.writeBuffer of the next submission is ordered after this one's work).
 */
export class GpuDispatcher {
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

  constructor(readonly device: GpuDeviceLike) {}

  dispatch(key: string, wgsl: (bindings: string) => string, specs: readonly BufferSpec[], buffers: readonly GpuBufferLike[],
    uniforms: readonly UniformValue[], groups: readonly [number, number?, number?]): void {
    const bound = bindBuffers(specs, buffers);
    const fullKey = `${key}|${bound.key}`;
    let pipeline = this.pipelines.get(fullKey);
    if (!pipeline) {
      const module = this.device.createShaderModule({ code: wgsl(bound.wgsl), label: fullKey });
      pipeline = this.device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" }, label: fullKey });
      this.pipelines.set(fullKey, pipeline);
    }
    const ub = this.uniform(uniforms);
    // A forward step repeats the same dispatches on the same buffers with the same pool slots, so its bind groups
    // are made once and found again by (pipeline, uniform slot, buffer ids).
    let groupKey = `${fullKey}|${this.nextUniform - 1}`;
    for (const b of bound.buffers) groupKey += `,${this.bufferId(b)}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      if (this.groups.size >= MAX_CACHED_GROUPS) this.groups.clear();
      const entries = [{ binding: 0, resource: { buffer: ub } },
        ...bound.buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } }))];
      group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      this.groups.set(groupKey, group);
    }
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
  }

  private bufferId(b: GpuBufferLike): number {
    let id = this.ids.get(b);
    if (id === undefined) this.ids.set(b, (id = this.nextId++));
    return id;
  }

  private uniform(values: readonly UniformValue[]): GpuBufferLike {
    if (values.length * 4 > UNIFORM_BYTES) throw new RangeError(`GpuDispatcher: ${values.length} uniform words (max ${UNIFORM_BYTES / 4})`);
    this.u32.fill(0);
    values.forEach((v, i) => {
      if (typeof v === "number") this.u32[i] = v >>> 0;
      else this.f32[i] = v.f;
    });
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

  copy(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number, size: number): void {
    this.commandEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
  }

  /** Submits everything recorded since the last submit. */
  submit(): void {
    if (!this.encoder) return;
    const enc = this.commandEncoder();
    this.encoder = null;
    this.device.queue.submit([enc.finish()]);
    this.nextUniform = 0;
  }

  /** Submits, then copies `size` bytes of `buffer` back to the host. */
  async readBytes(buffer: GpuBufferLike, size: number): Promise<Uint8Array> {
    const padded = Math.ceil(size / 4) * 4;
    const staging = this.device.createBuffer({ size: padded, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    this.copy(buffer, 0, staging, 0, padded);
    this.submit();
    await staging.mapAsync(MapModeRead);
    const out = new Uint8Array(staging.getMappedRange().slice(0, size));
    staging.unmap();
    staging.destroy();
    return out;
  }

  /** Submits and waits until the GPU has finished it (for timing). */
  async finish(): Promise<void> {
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
  }
}
