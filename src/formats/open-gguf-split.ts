import { existsSync } from "node:fs";
import { FormatError } from "../errors.js";
import type { GgufFile } from "./gguf-file.js";
import { openGguf } from "./open-gguf.js";

// The keys llama.cpp's gguf-split writes (tools/gguf-split, llama.h LLM_KV_SPLIT_*): split.no is 0-based; the first
// part holds all metadata, every part its share of the tensors.
export const ggufSplitNoKey = "split.no";
export const ggufSplitCountKey = "split.count";
export const ggufSplitTensorsCountKey = "split.tensors.count";

const firstPartName = /^(.*)-00001-of-(\d{5})\.gguf$/;

/** llama.cpp's llama_split_path: "<prefix>-%05d-of-%05d.gguf" with a 1-based part number. */
export function ggufSplitPath(prefix: string, partNo: number, count: number): string {
  return `${prefix}-${String(partNo).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.gguf`;
}

/**
 * A GGUF and, when its split.count says it is the first of several parts, the other parts opened next to it (found by
 * name as llama_split_prefix finds them) and checked: each part's split.no and split.count, the total tensor count.
 * Returns [first] for an unsplit file. The caller closes every part.
 */
export function openGgufSplitParts(first: GgufFile): GgufFile[] {
  const count = first.getNumber(ggufSplitCountKey) ?? 1;
  if (count <= 1) return [first];
  const no = first.getNumber(ggufSplitNoKey) ?? 0;
  if (no !== 0) throw new FormatError(first.path, `is part ${no + 1} of a ${count}-part split GGUF; open the first part (…-00001-of-${String(count).padStart(5, "0")}.gguf)`);
  const m = firstPartName.exec(first.path);
  if (!m || Number(m[2]) !== count) {
    throw new FormatError(first.path, `split.count is ${count} but the name does not end in -00001-of-${String(count).padStart(5, "0")}.gguf, so the other parts cannot be found`);
  }
  const parts = [first];
  try {
    for (let i = 2; i <= count; i++) {
      const path = ggufSplitPath(m[1]!, i, count);
      if (!existsSync(path)) throw new FormatError(path, `part ${i} of ${count} of the split GGUF ${first.path} is missing`);
      const part = openGguf(path);
      parts.push(part);
      if (part.getNumber(ggufSplitNoKey) !== i - 1 || part.getNumber(ggufSplitCountKey) !== count) {
        throw new FormatError(path, `split.no ${part.getNumber(ggufSplitNoKey)} / split.count ${part.getNumber(ggufSplitCountKey)}, expected ${i - 1} / ${count}`);
      }
    }
    const expected = first.getNumber(ggufSplitTensorsCountKey);
    const total = parts.reduce((n, p) => n + p.tensors.length, 0);
    if (expected !== undefined && total !== expected) {
      throw new FormatError(first.path, `split.tensors.count is ${expected} but the ${count} parts hold ${total} tensors`);
    }
    return parts;
  } catch (err) {
    for (const p of parts.slice(1)) p.close();
    throw err;
  }
}
