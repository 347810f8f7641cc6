// safetensors dtypes (safetensors/src/tensor.rs, enum Dtype) and their element sizes in bytes.
const dtypeSizeBytes = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDtype = keyof typeof dtypeSizeBytes;

export function safetensorsDtypeSizeBytes(dtype: string): number | undefined {
  return Object.hasOwn(dtypeSizeBytes, dtype) ? dtypeSizeBytes[dtype as SafetensorsDtype] : undefined;
}
