import { FormatError } from "../errors.js";
import { quantTraits } from "../quant/registry.js";
import { safetensorsToFloat32 } from "./float-convert.js";
import type { ModelFile } from "./open-model-file.js";

export interface Float32Tensor {
  name: string;
  /** Row-major (last dimension contiguous), for both formats: a GGUF shape is its ne order reversed. */
  shape: number[];
  values: Float32Array;
}

/** One tensor as float32 values: GGUF types through the quant registry's reference dequantize, safetensors by dtype. */
export function readTensorFloat32(model: ModelFile, name: string): Float32Tensor {
  if (model.kind === "gguf") {
    const gguf = model.gguf;
    const info = gguf.tensor(name);
    if (!info) throw new FormatError(gguf.path, `has no tensor named ${name}`);
    const count = info.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    // Rows are stored one after another, so the whole tensor dequantizes as one run of blocks.
    quantTraits(info.type).dequantize(gguf.readTensorBytes(info), values, count);
    return { name, shape: [...info.shape].reverse(), values };
  }
  const hf = model.hf;
  const info = hf.tensor(name);
  if (!info) throw new FormatError(hf.dir, `has no tensor named ${name}`);
  return { name, shape: info.shape, values: safetensorsToFloat32(info.dtype, hf.readTensorBytes(info), name, info.file) };
}
