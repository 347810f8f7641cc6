import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { convertHfToGguf } from "../../src/convert/convert-hf-to-gguf.js";
import { FormatError } from "../../src/errors.js";
import { openGguf, openHfDir } from "../../src/formats/index.js";
import { writeSafetensors, type RawSafetensor } from "../formats/helpers/write-safetensors.js";

// The tiny Llama fixture (tests/fixtures/arch/llama, transformers-written) with one tensor added: the converter names
// every tensor through the arch file, skips what the arch calls a buffer and rejects what it does not know.
const fixture = join("tests", "fixtures", "arch", "llama");
const tmp = join("tests", "tmp", "convert-names");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fixtureWith(name: string, extra: RawSafetensor): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(fixture, "config.json"), join(dir, "config.json"));
  const hf = openHfDir(fixture);
  try {
    const tensors = hf.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: hf.readTensorBytes(t) }));
    writeSafetensors(join(dir, "model.safetensors"), [...tensors, extra]);
  } finally {
    hf.close();
  }
  return dir;
}

function tensorsOf(path: string): Array<[string, string]> {
  const g = openGguf(path);
  try {
    return g.tensors.map((t) => [t.name, Buffer.from(g.readTensorBytes(t)).toString("base64")]);
  } finally {
    g.close();
  }
}

describe("convert: HF tensor names come from the arch file", () => {
  it("skips RoPE's inv_freq buffer: the same tensors, byte for byte, as without it", () => {
    const dir = fixtureWith("with-inv-freq", { name: "model.layers.0.self_attn.rotary_emb.inv_freq", dtype: "F32", shape: [8], data: new Uint8Array(32) });
    const plain = join(tmp, "plain.gguf");
    const withBuffer = join(tmp, "with-inv-freq.gguf");
    convertHfToGguf(fixture, plain, { outType: "f32" });
    convertHfToGguf(dir, withBuffer, { outType: "f32" });
    const expected = tensorsOf(plain);
    expect(expected.map(([n]) => n)).toContain("blk.0.attn_q.weight");
    expect(tensorsOf(withBuffer)).toEqual(expected);
  });

  it("rejects a tensor the arch does not know, naming it and its file", () => {
    const dir = fixtureWith("with-unknown", { name: "model.layers.0.mlp.mystery_proj.weight", dtype: "F32", shape: [2, 2], data: new Uint8Array(16) });
    const convert = (): unknown => convertHfToGguf(dir, join(tmp, "unknown.gguf"), { outType: "f32" });
    expect(convert).toThrow(FormatError);
    expect(convert).toThrow(/model\.layers\.0\.mlp\.mystery_proj\.weight has no GGUF name for arch llama/);
    expect(convert).toThrow(/with-unknown\/model\.safetensors/);
  });

  it("rejects a config.json whose model_type no arch file claims, naming the file", () => {
    const dir = join(tmp, "unknown-type");
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(fixture, "model.safetensors"), join(dir, "model.safetensors"));
    const config = JSON.parse(readFileSync(join(fixture, "config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, model_type: "starcoder2" }));
    expect(() => convertHfToGguf(dir, join(tmp, "unknown-type.gguf"), { outType: "f32" })).toThrow(/unknown-type\/config\.json: model_type "starcoder2" is not supported/);
  });
});
