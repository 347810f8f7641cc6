import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { convertHfToGguf } from "../../src/convert/convert-hf-to-gguf.js";
import { openGguf } from "../../src/formats/open-gguf.js";
import { GgmlType } from "../../src/quant/ggml-type.js";

// Reference: models/stories-7m/stories-7m-f16.gguf (llama.cpp's converter, from tokenizer.model).
const tmp = join("tests", "tmp", "convert-vocab");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("convert: vocabulary sources and output types", () => {
  it("from tokenizer.json alone (no tokenizer.model): llama.cpp's tokens and types, scores in the same order; --type bf16", () => {
    const dir = join(tmp, "stories-no-spm");
    mkdirSync(dir, { recursive: true });
    for (const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]) copyFileSync(join("models/stories-7m/hf", f), join(dir, f));
    const out = join(tmp, "stories-bf16.gguf");
    expect(convertHfToGguf(dir, out, { outType: "bf16" }).vocab).toBe("tokenizer.json");
    const ours = openGguf(out);
    const ref = openGguf("models/stories-7m/stories-7m-f16.gguf");
    try {
      expect(ours.getArray("tokenizer.ggml.tokens")).toEqual(ref.getArray("tokenizer.ggml.tokens"));
      expect(ours.getArray("tokenizer.ggml.token_type")).toEqual(ref.getArray("tokenizer.ggml.token_type"));
      // SentencePiece merges by score: only the order of the normal tokens' scores matters.
      const refScores = ref.getArray("tokenizer.ggml.scores") as number[];
      const ourScores = ours.getArray("tokenizer.ggml.scores") as number[];
      const types = ref.getArray("tokenizer.ggml.token_type") as number[];
      const normal = types.flatMap((t, id) => (t === 1 ? [id] : []));
      const rank = (s: number[]): number[] => [...normal].sort((a, b) => s[b]! - s[a]! || a - b);
      expect(rank(ourScores)).toEqual(rank(refScores));
      expect(ours.getBool("tokenizer.ggml.add_space_prefix")).toBe(ref.getBool("tokenizer.ggml.add_space_prefix"));
      expect(ours.getNumber("general.file_type")).toBe(32);
      expect(ours.tensor("blk.0.attn_q.weight")!.type).toBe(GgmlType.BF16);
      expect(ours.tensor("blk.0.attn_norm.weight")!.type).toBe(GgmlType.F32);
    } finally {
      ours.close();
      ref.close();
    }
  });

  it("placeholder vocabulary when the directory has no tokenizer: right size, SPM specials and byte tokens", () => {
    const out = join(tmp, "llama-placeholder.gguf");
    mkdirSync(tmp, { recursive: true });
    expect(convertHfToGguf("tests/fixtures/arch/llama", out, { outType: "f16" }).vocab).toBe("placeholder");
    const g = openGguf(out);
    try {
      const tokens = g.getArray("tokenizer.ggml.tokens") as string[];
      const types = g.getArray("tokenizer.ggml.token_type") as number[];
      expect(tokens).toHaveLength(512);
      expect(new Set(tokens).size).toBe(512);
      expect(tokens.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
      expect(tokens[3 + 0x0a]).toBe("<0x0A>");
      expect(types.slice(0, 4)).toEqual([2, 3, 3, 6]);
      expect(g.getString("tokenizer.ggml.model")).toBe("llama");
      expect(g.getNumber("tokenizer.ggml.bos_token_id")).toBe(1);
      expect(g.getNumber("tokenizer.ggml.eos_token_id")).toBe(2);
      expect(g.tensor("blk.0.attn_q.weight")!.type).toBe(GgmlType.F16);
      expect(g.tensor("output.weight")!.shape).toEqual([64, 512]);
    } finally {
      g.close();
    }
  });
});
