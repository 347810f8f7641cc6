/**
 * Decodes a whitespace-separated list of little-endian words written in hex (as ggml-common.h writes its
 * grids) into bytes: each word of `bytesPerWord` bytes contributes its least significant byte first.
 */
export function decodeGridHex(text: string, bytesPerWord: number): Uint8Array {
  const words = text.trim().split(/\s+/);
  const out = new Uint8Array(words.length * bytesPerWord);
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    for (let k = 0; k < bytesPerWord; k++) {
      const at = word.length - 2 * (k + 1);
      out[w * bytesPerWord + k] = parseInt(word.slice(at, at + 2), 16);
    }
  }
  return out;
}
