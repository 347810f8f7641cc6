import { InputError } from "../errors.js";
import { GGML_TYPES } from "../quant/ggml-type.js";

/**
 * Element type of the KV cache. f32: float32; f16: IEEE half (ggml rounding); q8_0: ggml's Q8_0 blocks (f16 scale
 * + 32 int8) along each row of kvDim = nKvHeads × headDim.
 */
export type KvType = "f32" | "f16" | "q8_0";
export const KV_TYPES: readonly KvType[] = ["f32", "f16", "q8_0"];

/**
 * The host rows of one K or V cache layer on the CPU backends, kvDim values per cache slot in the stored type:
 * Float32Array (f32), Uint16Array of half bits (f16) or Uint8Array of Q8_0 blocks, kvDim / 32 × 34 bytes per row
 * (q8_0). The array class is the type tag the CPU kernels dispatch on; above kernels/ a layer is an opaque KvLayer.
 */
export type KvRows = Float32Array | Uint16Array | Uint8Array;

export const Q8_0_BLOCK = GGML_TYPES.Q8_0.blockSize;
export const Q8_0_BLOCK_BYTES = GGML_TYPES.Q8_0.bytesPerBlock;

export function kvRowsType(rows: KvRows): KvType {
  return rows instanceof Float32Array ? "f32" : rows instanceof Uint16Array ? "f16" : "q8_0";
}

/** Bytes per cached value: 4, 2 or 34/32. */
export function kvBytesPerElement(type: KvType): number {
  return type === "f32" ? 4 : type === "f16" ? 2 : Q8_0_BLOCK_BYTES / Q8_0_BLOCK;
}

/** Array elements of one row of kvDim values (floats, halves or bytes). */
export function kvRowUnits(type: KvType, kvDim: number): number {
  return type === "q8_0" ? (kvDim / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES : kvDim;
}

/** Bytes of one row of kvDim values. */
export function kvRowBytes(type: KvType, kvDim: number): number {
  return kvDim * kvBytesPerElement(type);
}

/** Bytes one cached token takes: 2 (K and V) × layers × kvDim × bytes per element. */
export function kvBytesPerToken(type: KvType, nLayers: number, kvDim: number): number {
  return 2 * nLayers * kvRowBytes(type, kvDim);
}

/** "f16, 4 KiB/token" for summaries. */
export function describeKvCache(type: KvType, bytesPerToken: number): string {
  const kib = bytesPerToken / 1024;
  return `${type}, ${Number.isInteger(kib) ? kib : kib.toFixed(2)} KiB/token`;
}

export function parseKvType(value: string, flag = "--kv-type"): KvType {
  if ((KV_TYPES as readonly string[]).includes(value)) return value as KvType;
  throw new InputError(`${flag}: unknown KV cache type "${value}" (expected f32, f16 or q8_0)`);
}

/** Throws unless rows of kvDim values can be stored as `type` (q8_0 needs whole blocks of 32). */
export function checkKvDim(type: KvType, kvDim: number): void {
  if (type === "q8_0" && kvDim % Q8_0_BLOCK !== 0) {
    throw new InputError(`kv cache: --kv-type q8_0 needs kvDim (nKvHeads × headDim) to be a multiple of 32; this model's kvDim is ${kvDim}`);
  }
}
