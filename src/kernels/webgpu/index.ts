export { WebGpuKernels, type WebGpuKernelsOptions } from "./web-gpu-kernels.js";
export type { GpuKvLayer, GpuRouting, GpuTensor, GpuWeight } from "./gpu-tensor.js";
export type { GpuLike, GpuDeviceLike, GpuAdapterLike } from "./gpu-types.js";
export { GPU_WEIGHT_TYPES, type GpuWeightType } from "./matmul-wgsl.js";
