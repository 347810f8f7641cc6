import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openGguf } from "../../src/formats/index.js";
import { ggmlTypeName } from "../../src/quant/ggml-type.js";
import { quantizeModel } from "../../src/quantize/index.js";
import { buildMixInputs, fileSha256 } from "./helpers/mix-inputs.js";

// llama.cpp's llama-quantize (80fb11ac, built from node-llama-cpp's bundled source; fixtures/make-llama-quantize-mixes.sh)
// on the inputs of helpers/mix-inputs.ts: tsinfer must choose the same type for every tensor and write the same bytes.
// Set MAKE_MIX_INPUTS=<dir> (an existing directory) to keep the inputs there for regenerating the fixture.
interface Mix {
  input: string;
  type: string;
  file_type: number;
  /** "name type sha256-prefix" per tensor, in file order. */
  tensors: string[];
}
const fixture = JSON.parse(readFileSync(new URL("fixtures/llama-quantize-mixes.json", import.meta.url), "utf8")) as {
  inputs: Record<string, string>;
  mixes: Mix[];
};
const dir = mkdtempSync(join(tmpdir(), "tsinfer-quantize-mixes-"));
const inputs = buildMixInputs(dir);
const keep = process.env.MAKE_MIX_INPUTS;
if (keep && existsSync(keep)) for (const path of Object.values(inputs)) copyFileSync(path, join(keep, path.split("/").pop() ?? ""));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("per-tensor mixes match llama-quantize beyond stories-7m", () => {
  it("builds the same inputs llama-quantize was given", () => {
    for (const [name, path] of Object.entries(inputs)) expect(fileSha256(path), name).toBe(fixture.inputs[name]);
  });
  for (const mix of fixture.mixes) {
    it(`${mix.input} ${mix.type}`, { timeout: 60_000 }, () => {
      const out = join(dir, `${mix.input}-${mix.type}.gguf`);
      expect(quantizeModel(inputs[mix.input] ?? "", out, mix.type).fileType).toBe(mix.file_type);
      const gguf = openGguf(out);
      try {
        const got = gguf.tensors.map((t) => {
          const sha256 = createHash("sha256").update(gguf.readTensorBytes(t)).digest("hex");
          return `${t.name} ${ggmlTypeName(t.type)} ${sha256.slice(0, 16)}`;
        });
        expect(got).toEqual(mix.tensors);
      } finally {
        gguf.close();
        rmSync(out, { force: true });
      }
    });
  }
});
