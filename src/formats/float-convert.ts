import { FormatError } from "../errors.js";
import { f16ToF32Table } from "../quant/half.js";
import type { SafetensorsDtype } from "./safetensors-dtype.js";

/**
 * A safetensors tensor's bytes (little-endian) as float32 values, row-major. F16 and BF16 convert exactly;
 * F64 and 64-bit integers round to the nearest float32. `file`/`name` only name the tensor in errors.
 */
export function safetensorsToFloat32(dtype: SafetensorsDtype, bytes: Uint8Array, name = "tensor", file = "?"): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F32": {
      const out = new Float32Array(bytes.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case "F16": {
      const out = new Float32Array(bytes.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = f16ToF32Table[view.getUint16(i * 2, true)]!;
      return out;
    }
    case "BF16": {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const bits = new Uint32Array(bytes.length / 2);
      for (let i = 0; i < bits.length; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case "F64":
      return Float32Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
    case "BOOL":
    case "U8":
      return Float32Array.from(bytes);
    case "I8":
      return Float32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    case "I16":
      return Float32Array.from({ length: bytes.length / 2 }, (_, i) => view.getInt16(i * 2, true));
    case "U16":
      return Float32Array.from({ length: bytes.length / 2 }, (_, i) => view.getUint16(i * 2, true));
    case "I32":
      return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getInt32(i * 4, true));
    case "U32":
      return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(i * 4, true));
    case "I64":
      return Float32Array.from({ length: bytes.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    case "U64":
      return Float32Array.from({ length: bytes.length / 8 }, (_, i) => Number(view.getBigUint64(i * 8, true)));
    default:
      throw new FormatError(file, `tensor ${name} has dtype ${dtype}, which has no float32 conversion`);
  }
}
