/**
 * The slice of the WebGPU API (W3C) these kernels use, declared here so that the project needs neither
 * @webgpu/types nor the DOM lib: a browser's `navigator.gpu` and the `webgpu` npm package's `create([])` both fit.
 */
export interface GpuBufferLike {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

export interface GpuBindGroupLike { readonly label?: string }
export interface GpuBindGroupLayoutLike { readonly label?: string }
export interface GpuShaderModuleLike {
  getCompilationInfo?(): Promise<{ messages: readonly { type: string; message: string; lineNum: number }[] }>;
}
export interface GpuComputePipelineLike {
  getBindGroupLayout(index: number): GpuBindGroupLayoutLike;
}

export interface GpuComputePassLike {
  setPipeline(p: GpuComputePipelineLike): void;
  setBindGroup(index: number, g: GpuBindGroupLike): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

export interface GpuCommandBufferLike { readonly label?: string }

export interface GpuCommandEncoderLike {
  beginComputePass(desc?: object): GpuComputePassLike;
  copyBufferToBuffer(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number, size: number): void;
  finish(): GpuCommandBufferLike;
}

export interface GpuQueueLike {
  submit(buffers: GpuCommandBufferLike[]): void;
  writeBuffer(buffer: GpuBufferLike, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): void;
  onSubmittedWorkDone(): Promise<void>;
}

export interface GpuBindingEntry {
  binding: number;
  resource: { buffer: GpuBufferLike; offset?: number; size?: number };
}

export interface GpuDeviceLike {
  readonly queue: GpuQueueLike;
  readonly features: { has(name: string): boolean };
  readonly limits: Readonly<Record<string, number>>;
  readonly lost?: Promise<{ message: string }>;
  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean; label?: string }): GpuBufferLike;
  createShaderModule(desc: { code: string; label?: string }): GpuShaderModuleLike;
  createComputePipeline(desc: { layout: "auto"; compute: { module: GpuShaderModuleLike; entryPoint: string }; label?: string }): GpuComputePipelineLike;
  createBindGroup(desc: { layout: GpuBindGroupLayoutLike; entries: GpuBindingEntry[] }): GpuBindGroupLike;
  createCommandEncoder(): GpuCommandEncoderLike;
  pushErrorScope?(filter: string): void;
  popErrorScope?(): Promise<{ message: string } | null>;
  destroy(): void;
}

export interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
}

export interface GpuAdapterLike {
  readonly features: { has(name: string): boolean };
  readonly limits: Readonly<Record<string, number>>;
  readonly info?: GpuAdapterInfoLike;
  requestDevice(desc?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<GpuAdapterLike | null>;
}

/** GPUBufferUsage and GPUMapMode flags (fixed by the spec). */
export const BufferUsage = {
  MAP_READ: 0x1, MAP_WRITE: 0x2, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80,
} as const;
export const MapModeRead = 0x1;
