import { FormatError } from "../errors.js";
import { GgmlType } from "../quant/ggml-type.js";
import { bf16ToF32, f16ToF32Table, f32ToBf16, f32ToF16 } from "../quant/half.js";

/** The element types `tsinfer convert --type` can write (as convert_hf_to_gguf.py's --outtype). */
export type ConvertOutType = "f32" | "f16" | "bf16";

export const convertOutTypeIds: Record<ConvertOutType, number> = { f32: GgmlType.F32, f16: GgmlType.F16, bf16: GgmlType.BF16 };

/** llama.cpp's general.file_type (enum llama_ftype): ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_BF16 = 32. */
export const convertFileTypes: Record<ConvertOutType, number> = { f32: 0, f16: 1, bf16: 32 };

/** Decodes a safetensors tensor's bytes (F32, F16 or BF16, little-endian) to float32 values. */
export function decodeTensor(file: string, name: string, dtype: string, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F32": {
      const out = new Float32Array(bytes.byteLength / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case "F16": {
      const out = new Float32Array(bytes.byteLength / 2);
      for (let i = 0; i < out.length; i++) out[i] = f16ToF32Table[view.getUint16(2 * i, true)]!;
      return out;
    }
    case "BF16": {
      const out = new Float32Array(bytes.byteLength / 2);
      for (let i = 0; i < out.length; i++) out[i] = bf16ToF32(view.getUint16(2 * i, true));
      return out;
    }
    default:
      throw new FormatError(file, `tensor ${name} has dtype ${dtype}; convert reads F32, F16 and BF16`);
  }
}

/** Encodes float32 values as little-endian F32, F16 (round to nearest even) or BF16 bytes. */
export function encodeTensor(values: Float32Array, type: number): Uint8Array {
  if (type === GgmlType.F32) {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
    return out;
  }
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  const encode = type === GgmlType.F16 ? f32ToF16 : f32ToBf16;
  for (let i = 0; i < values.length; i++) view.setUint16(2 * i, encode(values[i]!), true);
  return out;
}

/**
 * Reorders the rows of a Q or K projection [nHeads·headDim, cols] from Hugging Face's rotate-half RoPE layout to
 * GGUF's interleaved one, as convert_hf_to_gguf.py's LlamaModel.permute: within each head, row j·(headDim/2) + i
 * moves to row 2i + j. Works on biases too (cols = 1).
 */
export function permuteRopeRows(values: Float32Array, nHeads: number, cols: number): Float32Array {
  const rows = values.length / cols;
  const headDim = rows / nHeads;
  const half = headDim / 2;
  const out = new Float32Array(values.length);
  for (let h = 0; h < nHeads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const src = (h * headDim + j * half + i) * cols;
        const dst = (h * headDim + 2 * i + j) * cols;
        out.set(values.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}
