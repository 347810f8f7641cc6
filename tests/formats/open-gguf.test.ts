import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GgufValueType, openGguf } from "../../src/formats/index.js";
import { ggmlTypeId } from "../../src/quant/ggml-type.js";

const storiesPath = "models/stories-7m/stories-7m-f16.gguf";

describe("openGguf", () => {
  it("reads the stories-7m header: facts from its README (llama, 8 layers, 8 heads, 4 KV heads, vocab 4096, ctx 512)", () => {
    const gguf = openGguf(storiesPath);
    try {
      expect(gguf.version).toBe(3);
      expect(gguf.getString("general.architecture")).toBe("llama");
      expect(gguf.getNumber("llama.block_count")).toBe(8);
      expect(gguf.getNumber("llama.attention.head_count")).toBe(8);
      expect(gguf.getNumber("llama.attention.head_count_kv")).toBe(4);
      expect(gguf.getNumber("llama.embedding_length")).toBe(256);
      expect(gguf.getNumber("llama.feed_forward_length")).toBe(768);
      expect(gguf.getNumber("llama.context_length")).toBe(512);
      expect(gguf.getNumber("llama.rope.freq_base") ?? 10000).toBe(10000);
      expect(gguf.getBool("tokenizer.ggml.add_space_prefix")).toBe(true);
      expect(gguf.getNumber("tokenizer.ggml.bos_token_id")).toBe(1);
      expect(gguf.getNumber("tokenizer.ggml.eos_token_id")).toBe(2);
      expect(gguf.getNumber("llama.attention.layer_norm_rms_epsilon")).toBe(Math.fround(1e-5));
      const tokens = gguf.getArray("tokenizer.ggml.tokens")!;
      expect(tokens.length).toBe(4096);
      expect(tokens.slice(0, 3)).toEqual(["<unk>", "<s>", "</s>"]);
      const tokensKv = gguf.kvs.find((kv) => kv.key === "tokenizer.ggml.tokens")!;
      expect(tokensKv.type).toBe(GgufValueType.ARRAY);
      expect(tokensKv.itemType).toBe(GgufValueType.STRING);
      // Tied embeddings: token_embd + output_norm + 9 tensors per layer.
      expect(gguf.tensors.length).toBe(2 + 8 * 9);
      expect(gguf.tensor("output.weight")).toBeUndefined();
      const embd = gguf.tensor("token_embd.weight")!;
      expect(embd.shape).toEqual([256, 4096]);
      expect(embd.type).toBe(ggmlTypeId("F16"));
      expect(embd.sizeBytes).toBe(256 * 4096 * 2);
      expect(gguf.tensor("blk.0.attn_norm.weight")!.type).toBe(ggmlTypeId("F32"));
      expect(gguf.tensor("blk.7.attn_k.weight")!.shape).toEqual([256, 128]);
      // The data section ends exactly at the end of the file.
      const ends = gguf.tensors.map((t) => t.offset + t.sizeBytes);
      expect(Math.max(...ends)).toBe(gguf.fileSizeBytes);
      // Bytes come from the right place in the file.
      const whole = readFileSync(storiesPath);
      const norm = gguf.tensor("output_norm.weight")!;
      expect(Buffer.from(gguf.readTensorBytes(norm))).toEqual(whole.subarray(norm.offset, norm.offset + norm.sizeBytes));
    } finally {
      gguf.close();
    }
  });

  it("typed getters: undefined for a missing key, a FormatError naming key and value for the wrong type", () => {
    const gguf = openGguf(storiesPath);
    try {
      expect(gguf.getString("no.such.key")).toBeUndefined();
      expect(() => gguf.getNumber("general.architecture")).toThrow(/metadata key general.architecture is string llama, expected a number/);
      expect(() => gguf.getString("llama.block_count")).toThrow(/llama.block_count is number 8, expected a string/);
      expect(() => gguf.getBool("tokenizer.ggml.tokens")).toThrow(/is an array, expected a bool/);
    } finally {
      gguf.close();
    }
    expect(() => gguf.readTensorBytes(gguf.tensors[0]!)).toThrow(/read after close/);
  });

  it("reads quant-types.gguf: every tensor listed in quant-types.json with its type and shape", () => {
    const gguf = openGguf("tests/fixtures/quant/quant-types.gguf");
    const listing = JSON.parse(readFileSync("tests/fixtures/quant/quant-types.json", "utf8")) as {
      tensors: { tensor: string; type: string; shape: number[]; source?: string }[];
    };
    try {
      for (const entry of listing.tensors) {
        const info = gguf.tensor(entry.tensor);
        expect(info, entry.tensor).toBeDefined();
        expect(info!.type).toBe(ggmlTypeId(entry.type));
        // The JSON lists [rows, cols]; GGUF stores ne order (contiguous dimension first).
        expect(info!.shape).toEqual([...entry.shape].reverse());
        if (entry.source) {
          const source = gguf.tensor(entry.source)!;
          expect(source.type).toBe(ggmlTypeId("F32"));
          expect(source.sizeBytes).toBe(entry.shape[0]! * entry.shape[1]! * 4);
        }
      }
    } finally {
      gguf.close();
    }
  });
});
