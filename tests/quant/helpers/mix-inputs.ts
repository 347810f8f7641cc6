import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { convertHfToGguf } from "../../../src/convert/convert-hf-to-gguf.js";
import { openGguf, writeGguf } from "../../../src/formats/index.js";
import type { GgufKv } from "../../../src/formats/index.js";

// The GGUF inputs on which llama.cpp's llama-quantize made fixtures/llama-quantize-mixes.json: small random models
// whose rows are not multiples of 256 (fallback types), MoE experts, fused QKV, tied and untied embeddings, and a
// stories-7m variant with 8 query heads per KV head and a separate output.weight (the n_gqa >= 4 and OUTPUT rules).
export const archInputs = ["llama", "mixtral-moe", "gpt2", "qwen2-tied-bias"] as const;
export const storiesVariant = "stories-gqa8-untied";

export function buildMixInputs(dir: string): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const name of archInputs) {
    paths[name] = join(dir, `${name}-f16.gguf`);
    convertHfToGguf(join("tests/fixtures/arch", name), paths[name], { outType: "f16" });
  }
  paths[storiesVariant] = join(dir, `${storiesVariant}-f16.gguf`);
  const src = openGguf("models/stories-7m/stories-7m-f16.gguf");
  try {
    const kvs: GgufKv[] = src.kvs.map((kv) => (kv.key === "llama.attention.head_count_kv" ? { ...kv, value: 1 } : kv));
    const tensors = src.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, data: () => src.readTensorBytes(t) }));
    const embd = src.tensor("token_embd.weight");
    if (!embd) throw new Error("stories-7m has no token_embd.weight");
    tensors.push({ name: "output.weight", type: embd.type, shape: embd.shape, data: () => src.readTensorBytes(embd) });
    writeGguf(paths[storiesVariant], kvs, tensors);
  } finally {
    src.close();
  }
  return paths;
}

export function fileSha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
