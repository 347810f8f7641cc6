import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FormatError } from "../../src/errors.js";
import { memoryByteSource } from "../../src/formats/byte-source.js";
import { openGgufFromBytes } from "../../src/formats/gguf-reader.js";
import { openGguf } from "../../src/formats/open-gguf.js";

const storiesPath = "models/stories-7m/stories-7m-f16.gguf";

describe("openGgufFromBytes", () => {
  const fileBytes = readFileSync(storiesPath);
  // A copy in a plain ArrayBuffer, as a page gets from File.arrayBuffer().
  const buffer = fileBytes.buffer.slice(fileBytes.byteOffset, fileBytes.byteOffset + fileBytes.byteLength);

  it("parses stories-7m from an ArrayBuffer: the README's facts, and the same header and tensor bytes as the file path", () => {
    const fromBytes = openGgufFromBytes("stories-7m-f16.gguf", buffer);
    const fromFile = openGguf(storiesPath);
    try {
      expect(fromBytes.path).toBe("stories-7m-f16.gguf");
      expect(fromBytes.getString("general.architecture")).toBe("llama");
      expect(fromBytes.getNumber("llama.block_count")).toBe(8);
      expect(fromBytes.getArray("tokenizer.ggml.tokens")!.slice(0, 3)).toEqual(["<unk>", "<s>", "</s>"]);
      expect(fromBytes.tensors.length).toBe(2 + 8 * 9);
      expect(fromBytes.fileSizeBytes).toBe(14795392);
      expect(fromBytes.kvs).toEqual(fromFile.kvs);
      expect(fromBytes.tensors).toEqual(fromFile.tensors);
      expect(fromBytes.dataOffset).toBe(fromFile.dataOffset);
      // Tensor bytes are the file's bytes at the tensor's offset (the last tensor ends the file).
      const last = fromBytes.tensors.reduce((a, t) => (t.offset > a.offset ? t : a));
      expect(last.offset + last.sizeBytes).toBe(fileBytes.byteLength);
      const got = fromBytes.readTensorBytes(last);
      expect(Buffer.compare(got, fileBytes.subarray(last.offset, last.offset + last.sizeBytes))).toBe(0);
    } finally {
      fromBytes.close();
      fromFile.close();
    }
  });

  it("takes a Uint8Array view with a byte offset (not the whole buffer)", () => {
    const padded = new Uint8Array(fileBytes.byteLength + 7);
    padded.set(fileBytes, 7);
    const gguf = openGgufFromBytes("padded.gguf", padded.subarray(7));
    expect(gguf.tensor("token_embd.weight")!.shape).toEqual([256, 4096]);
    const info = gguf.tensor("output_norm.weight")!;
    expect(Buffer.compare(gguf.readTensorBytes(info), fileBytes.subarray(info.offset, info.offset + info.sizeBytes))).toBe(0);
  });

  it("names the source in errors: truncated data, not a GGUF, reads after close", () => {
    expect(() => openGgufFromBytes("cut.gguf", fileBytes.subarray(0, 1_000_000))).toThrow(/cut\.gguf.*past the end of the file/);
    expect(() => openGgufFromBytes("cut.gguf", fileBytes.subarray(0, 100))).toThrow(/cut\.gguf: tensor count is 74, more than/);
    expect(() => openGgufFromBytes("text.gguf", new TextEncoder().encode("hello world, not gguf"))).toThrow(FormatError);
    expect(() => openGgufFromBytes("text.gguf", new TextEncoder().encode("hello world, not gguf"))).toThrow(/not a GGUF file/);
    const gguf = openGgufFromBytes("closed.gguf", buffer);
    gguf.close();
    expect(gguf.getNumber("llama.block_count")).toBe(8);
    expect(() => gguf.readTensorBytes(gguf.tensors[0]!)).toThrow(/closed\.gguf.*read after close/);
  });

  it("memoryByteSource reads short at the end and nothing past it", () => {
    const src = memoryByteSource("m", new Uint8Array([1, 2, 3, 4, 5]));
    const dst = new Uint8Array(4);
    expect(src.readInto(3, dst)).toBe(2);
    expect([...dst.subarray(0, 2)]).toEqual([4, 5]);
    expect(src.readInto(5, dst)).toBe(0);
    expect(src.sizeBytes).toBe(5);
  });
});
