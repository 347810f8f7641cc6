import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { convertHfToGguf } from "../../src/convert/convert-hf-to-gguf.js";
import { openGguf } from "../../src/formats/open-gguf.js";

// Reference: models/stories-7m/stories-7m-f16.gguf, written by llama.cpp's convert_hf_to_gguf.py from the same
// hf/ directory (see its README). Our F16 conversion must give the same tensors byte for byte and the same vocabulary.
const tmp = join("tests", "tmp", "convert-stories");
mkdirSync(tmp, { recursive: true });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("convert stories-7m (HF, float16) to GGUF F16", () => {
  const out = join(tmp, "stories-7m-f16.gguf");
  const result = convertHfToGguf("models/stories-7m/hf", out, { outType: "f16" });
  const ours = openGguf(out);
  const ref = openGguf("models/stories-7m/stories-7m-f16.gguf");
  afterAll(() => {
    ours.close();
    ref.close();
  });

  it("writes the same tensors, byte for byte, as llama.cpp's converter (Q/K permuted, norms F32)", () => {
    expect(result.vocab).toBe("sentencepiece");
    expect(ours.tensors.map((t) => t.name).sort()).toEqual(ref.tensors.map((t) => t.name).sort());
    for (const r of ref.tensors) {
      const o = ours.tensor(r.name)!;
      expect({ name: r.name, type: o.type, shape: o.shape }).toEqual({ name: r.name, type: r.type, shape: r.shape });
      expect(Buffer.from(ours.readTensorBytes(o)).equals(Buffer.from(ref.readTensorBytes(r))), r.name).toBe(true);
    }
  });

  it("writes the same hyperparameters and vocabulary metadata", () => {
    const keys = [
      "general.architecture", "llama.block_count", "llama.context_length", "llama.embedding_length",
      "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
      "llama.attention.layer_norm_rms_epsilon", "llama.attention.key_length", "llama.attention.value_length",
      "general.file_type", "llama.vocab_size", "llama.rope.dimension_count", "tokenizer.ggml.model",
      "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id",
      "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.add_space_prefix",
    ];
    for (const key of keys) {
      const o = ours.kvs.find((kv) => kv.key === key);
      const r = ref.kvs.find((kv) => kv.key === key)!;
      expect(o, key).toBeDefined();
      expect({ key, type: o!.type, value: o!.value }).toEqual({ key, type: r.type, value: r.value });
    }
    expect(ours.getNumber("llama.rope.freq_base")).toBe(10000);
  });
});
