import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { FormatError } from "../errors.js";
import type { GgufFile } from "./gguf-file.js";
import { ggufMagic, openGguf } from "./open-gguf.js";
import { openHfDir } from "./open-hf-dir.js";
import type { HfModelDir } from "./open-hf-dir.js";

export type ModelFile = { kind: "gguf"; gguf: GgufFile } | { kind: "hf"; hf: HfModelDir };

/**
 * Opens a model by sniffing: a directory (or a config.json / .safetensors / index file inside one) is a Hugging
 * Face directory; a file starting with "GGUF" is GGUF.
 */
export function openModelFile(path: string): ModelFile {
  if (!existsSync(path)) throw new FormatError(path, "no such file or directory");
  if (statSync(path).isDirectory()) return { kind: "hf", hf: openHfDir(path) };
  const magic = new Uint8Array(4);
  const fd = openSync(path, "r");
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (new DataView(magic.buffer).getUint32(0, true) === ggufMagic) return { kind: "gguf", gguf: openGguf(path) };
  const name = basename(path);
  if (name === "config.json" || name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")) {
    return { kind: "hf", hf: openHfDir(dirname(path)) };
  }
  throw new FormatError(path, "neither a GGUF file (no GGUF magic) nor a Hugging Face model directory");
}
