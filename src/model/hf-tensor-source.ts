import { FormatError } from "../errors.js";
import { safetensorsToFloat32, type HfModelDir, type HfTensorInfo } from "../formats/index.js";
import type { GgmlTypeName } from "../quant/ggml-type.js";
import type { ArchSpec } from "./arch-spec.js";
import type { SourceTensor, TensorSource } from "./tensor-source.js";

interface HfSourceTensor extends SourceTensor {
  readonly info: HfTensorInfo;
  readonly transposed: boolean;
  readonly vector: boolean;
}

const storedTypes: Partial<Record<string, GgmlTypeName>> = { F32: "F32", F16: "F16", BF16: "BF16" };

/**
 * An HF directory's tensors under GGUF names (the arch's mapping). Matrices keep their dtype ([out, in] row-major
 * is GGUF's ne [in, out]); Conv1D [in, out] matrices are transposed; 1-D tensors become float32 and pass through
 * the arch's hfAdjustment (Gemma's 1 + w). Buffers and names the arch does not know are left out.
 */
export function hfTensorSource(hf: HfModelDir, arch: ArchSpec): TensorSource {
  const byName = new Map<string, HfSourceTensor>();
  for (const info of hf.tensors) {
    const name = arch.hfTensorName(info.name);
    if (name === null || name === undefined) continue;
    const type = storedTypes[info.dtype];
    if (!type) throw new FormatError(info.file, `tensor ${info.name} has dtype ${info.dtype}; tsinfer reads F32, F16 and BF16`);
    const transposed = arch.hfTransposed?.(info.name) ?? false;
    const vector = info.shape.length === 1;
    const shape = transposed ? [...info.shape] : [...info.shape].reverse();
    if (byName.has(name)) throw new FormatError(info.file, `tensors ${byName.get(name)!.info.name} and ${info.name} both map to ${name}`);
    byName.set(name, { name, type: vector ? "F32" : type, shape, info, transposed, vector });
  }
  return {
    path: hf.dir,
    get: (name) => byName.get(name),
    bytes(tensor) {
      const t = tensor as HfSourceTensor;
      const raw = hf.readTensorBytes(t.info);
      if (t.vector) {
        const v = safetensorsToFloat32(t.info.dtype, raw, t.info.name, t.info.file);
        arch.hfAdjustment?.(t.name)?.(v);
        return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      }
      return t.transposed ? transposeBytes(raw, t.info.shape[0]!, t.info.shape[1]!) : raw;
    },
  };
}

/** A row-major [rows, cols] matrix → [cols, rows], whatever its element size (GPT-2's Conv1D [in, out] weights). */
export function transposeBytes(src: Uint8Array, rows: number, cols: number): Uint8Array {
  const size = src.byteLength / (rows * cols);
  const dst = new Uint8Array(src.byteLength);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const from = (r * cols + c) * size;
      const to = (c * rows + r) * size;
      for (let i = 0; i < size; i++) dst[to + i] = src[from + i]!;
    }
  }
  return dst;
}
