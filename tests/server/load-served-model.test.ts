import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadServedModel } from "../../src/server/load-served-model.js";

const GGUF = "models/stories-7m/stories-7m-f16.gguf";

describe("loadServedModel (stories-7m)", () => {
  it("applies a --chat-template file: BOS from the template, not doubled", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsinfer-template-"));
    const file = join(dir, "t.jinja");
    writeFileSync(file, "{{ bos_token }}{% for m in messages %}{{ m.content }}\n{% endfor %}{% if add_generation_prompt %} Once upon a time{% endif %}");
    const served = loadServedModel({ modelPath: GGUF, parallel: 2, maxBatchTokens: 32, chatTemplatePath: file });
    const ids = served.encodeChat([{ role: "user", content: "Hi" }]);
    expect(ids[0]).toBe(1); // <s> (tokenizer.json id 1), parsed from the rendered text
    expect(ids[1]).not.toBe(1);
    expect(ids.slice(-4)).toEqual([421, 429, 261, 398]); // " Once upon a time" as in reference.json
  });

  it("reports token pieces with their leading space, KV geometry from the options", () => {
    const served = loadServedModel({ modelPath: GGUF, parallel: 4, maxBatchTokens: 32, ctxSize: 256, kvCacheSize: "1024t" });
    // tokenizer.json: 421 = "▁Once", 4039 = ",", 13 = "<0x0A>", 2 = "</s>"
    expect(served.tokenPiece(421)).toEqual({ text: " Once", bytes: [32, 79, 110, 99, 101], special: false });
    expect(served.tokenPiece(4039).text).toBe(",");
    expect(served.tokenPiece(13).bytes).toEqual([10]);
    expect(served.tokenPiece(2).special).toBe(true);
    expect(served.eosIds).toContain(2);
    expect(served.model.ctxLen).toBe(256);
    expect(served.model.numBlocks * served.model.blockSize).toBe(1024);
    expect(served.kvBytesPerToken).toBe(2 * 8 * 4 * 32 * 4);
    expect(() => loadServedModel({ modelPath: GGUF, parallel: 4, maxBatchTokens: 32, kvCacheSize: "100t" })).toThrow(/--kv-cache-size 100t/);
    // f16 storage: half the bytes per token, so the same megabytes hold twice the tokens.
    const f16 = loadServedModel({ modelPath: GGUF, parallel: 4, maxBatchTokens: 32, kvCacheSize: "8MB", kvType: "f16" });
    expect(f16.kvBytesPerToken).toBe(2 * 8 * 4 * 32 * 2);
    expect(f16.model.numBlocks * f16.model.blockSize).toBe(2048);
  });
});
