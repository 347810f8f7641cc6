import { readFileSync } from "node:fs";

// Minimal GGUF v3 reader for the quant fixtures, used until src/formats' openGguf lands.
export interface FixtureTensor {
  name: string;
  type: number;
  shape: number[];
  bytes: Uint8Array;
}

const scalarSizes: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** Each tensor's bytes run from its offset to the next tensor's (or the file end), so may include padding. */
export function readFixtureGguf(path: string): FixtureTensor[] {
  const file = readFileSync(path);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let at = 4 + 4;
  const u32 = (): number => {
    at += 4;
    return view.getUint32(at - 4, true);
  };
  const u64 = (): number => {
    at += 8;
    return Number(view.getBigUint64(at - 8, true));
  };
  const str = (): string => {
    const n = u64();
    at += n;
    return file.subarray(at - n, at).toString("utf8");
  };
  let alignment = 32;
  const skipValue = (type: number): number | undefined => {
    if (type === 8) {
      str();
      return undefined;
    }
    if (type === 9) {
      const inner = u32();
      const count = u64();
      for (let i = 0; i < count; i++) skipValue(inner);
      return undefined;
    }
    const value = type === 4 ? view.getUint32(at, true) : undefined;
    at += scalarSizes[type];
    return value;
  };
  const nTensors = u64();
  const nKv = u64();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const value = skipValue(u32());
    if (key === "general.alignment" && value !== undefined) alignment = value;
  }
  const infos: { name: string; shape: number[]; type: number; offset: number }[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nDims = u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(u64());
    const type = u32();
    infos.push({ name, shape: dims.reverse(), type, offset: u64() });
  }
  const dataStart = Math.ceil(at / alignment) * alignment;
  const ends = infos.map((t) => t.offset).sort((a, b) => a - b);
  return infos.map(({ name, shape, type, offset }) => {
    const end = ends.find((o) => o > offset) ?? file.byteLength - dataStart;
    return { name, shape, type, bytes: new Uint8Array(file.subarray(dataStart + offset, dataStart + end)) };
  });
}
