// Little-endian reads at any byte offset without allocating (a DataView per call would).
const scratchBytes = new Uint8Array(4);
const scratchFloat = new Float32Array(scratchBytes.buffer);

export function readU32(src: Uint8Array, at: number): number {
  return (src[at] | (src[at + 1] << 8) | (src[at + 2] << 16) | (src[at + 3] << 24)) >>> 0;
}

export function readF32(src: Uint8Array, at: number): number {
  scratchBytes[0] = src[at];
  scratchBytes[1] = src[at + 1];
  scratchBytes[2] = src[at + 2];
  scratchBytes[3] = src[at + 3];
  return scratchFloat[0];
}
