import type { GgufFile } from "./gguf-file.js";
import { fileByteSource } from "./file-byte-source.js";
import { openGgufSource } from "./gguf-reader.js";

export { ggufMagic, ggufDefaultAlignment, alignUp } from "./gguf-reader.js";

/** Opens and validates a GGUF file (versions 2 and 3). Synchronous; throws FormatError naming the file and the fault. */
export function openGguf(path: string): GgufFile {
  return openGgufSource(fileByteSource(path));
}
