import { writeFileSync } from "node:fs";

export interface RawSafetensor {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** Test input builder: the safetensors layout (u64 LE header length, JSON header, data), with optional header overrides. */
export function writeSafetensors(path: string, tensors: RawSafetensor[], headerPatch: Record<string, unknown> = {}): void {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  Object.assign(header, headerPatch);
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, json, ...tensors.map((t) => Buffer.from(t.data))]));
}
