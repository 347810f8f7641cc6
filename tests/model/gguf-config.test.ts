import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archByName, configFromGguf, configFromHf } from "../../src/arch/index.js";
import { ggufKv, openGguf, openHfDir, writeGguf, type GgufKv } from "../../src/formats/index.js";
import { ropeInvFreq, type ModelConfig } from "../../src/model/index.js";
import { llama3RopeFreqFactors } from "../../src/model/config.js";

const tmp = mkdtempSync(join(tmpdir(), "tsinfer-gguf-config-"));

/** The metadata `tsinfer convert` writes for an HF config (general.architecture and the arch's keys), read back. */
function convertedConfig(name: string, hfConfig: Record<string, unknown>): { config: ModelConfig; back: ModelConfig } {
  const { arch, config } = configFromHf(hfConfig, `${name}/config.json`);
  const kvs: GgufKv[] = [ggufKv("general.architecture", arch.ggufArch), ...arch.ggufKvs(config, hfConfig)];
  const path = join(tmp, `${name}.gguf`);
  writeGguf(path, kvs, []);
  const gguf = openGguf(path);
  try {
    // The vocabulary size falls back to token_embd's rows (here: the config's) where the arch writes no vocab_size.
    return { config, back: configFromGguf(gguf, config.vocabSize).config };
  } finally {
    gguf.close();
  }
}

/** Float fields as float32 (GGUF stores them so); the fields a GGUF cannot carry for this source dropped. */
function comparable(c: ModelConfig): Record<string, unknown> {
  const { ropeLayout: _layout, tiedEmbeddings: _tied, arch: _arch, ...rest } = c;
  return { ...rest, normEps: Math.fround(c.normEps), ropeTheta: Math.fround(c.ropeTheta)};
}

describe("GGUF metadata mapping (llama.cpp key names)", () => {
  it("writes the keys llama.cpp's converter wrote for stories-7m, with the same types and values", () => {
    const gguf = openGguf("models/stories-7m/stories-7m-f16.gguf");
    const hf = openHfDir("models/stories-7m/hf");
    const ours = archByName("llama").ggufKvs(archByName("llama").fromHfConfig(hf.config), hf.config);
    const byKey = new Map(ours.map((kv) => [kv.key, kv]));
    const theirs = gguf.kvs.filter((kv) => kv.key.startsWith("llama."));
    expect(theirs.length).toBe(11);
    for (const ref of theirs) {
      const kv = byKey.get(ref.key);
      expect(kv, ref.key).toBeDefined();
      expect(kv!.type, ref.key).toBe(ref.type);
      expect(typeof kv!.value === "number" ? Math.fround(kv!.value) : kv!.value, ref.key).toEqual(ref.value);
    }
    // The one key more than that llama.cpp build wrote: the RoPE base, at the value llama.cpp assumes without it.
    expect(ours.filter((kv) => !theirs.some((t) => t.key === kv.key)).map((kv) => [kv.key, kv.value])).toEqual([["llama.rope.freq_base", 10000]]);
    const fromGguf = archByName("llama").fromGguf(gguf, 0);
    expect(comparable(fromGguf)).toEqual(comparable(archByName("llama").fromHfConfig(hf.config)));
    gguf.close();
    hf.close();
  });

  const root = "tests/fixtures/arch";
  for (const name of readdirSync(root).filter((d) => statSync(`${root}/${d}`).isDirectory())) {
    it(`${name}: HF config → convert's GGUF metadata → config round trip`, () => {
      const hf = openHfDir(`${root}/${name}`);
      const { config, back } = convertedConfig(name, hf.config);
      const expected = comparable(config);
      // Mistral goes to arch llama (as llama.cpp converts it); its attention.sliding_window is kept and read back.
      if (name === "llama3-rope-scaled") {
        // Llama 3 scaling travels as the rope_freqs tensor (llama3RopeFreqFactors), not as metadata.
        expect(comparable(back)).toEqual({ ...expected, ropeScaling: back.ropeScaling });
      } else {
        expect(comparable(back)).toEqual(expected);
      }
      hf.close();
    });
  }

  it("linear RoPE scaling travels as rope.scaling.type/factor, as llama.cpp's converter writes it", () => {
    const hf = openHfDir(`${root}/llama`);
    const scaled = { ...hf.config, rope_parameters: { rope_type: "linear", factor: 4, rope_theta: 10000 } };
    const { config, back } = convertedConfig("llama-linear", scaled);
    expect(config.ropeScaling).toMatchObject({ type: "linear", factor: 4 });
    expect(comparable(back)).toEqual(comparable(config));
    hf.close();
  });

  it("Qwen3-MoE without norm_topk_prob keeps its unrenormalized expert weights through convert's metadata", () => {
    const hf = openHfDir(`${root}/qwen3-moe`);
    expect(hf.config.norm_topk_prob).toBe(true);
    const { config, back } = convertedConfig("qwen3-moe-unnormalized", { ...hf.config, norm_topk_prob: false });
    expect(config.normTopK).toBe(false);
    expect(comparable(back)).toEqual(comparable(config));
    hf.close();
  });

  it("older configs without layer_types: Gemma 2 slides on even layers, as the fixture's layer_types say", () => {
    const hf = openHfDir(`${root}/gemma2`);
    const { layer_types: types, ...older } = hf.config;
    expect(types).toEqual(["sliding_attention", "full_attention"]);
    expect(archByName("gemma2").fromHfConfig(older).slidingLayers).toEqual([true, false]);
    hf.close();
  });

  it("llama3RopeFreqFactors divides the base frequencies into the scaled ones", () => {
    const hf = openHfDir(`${root}/llama3-rope-scaled`);
    const c = archByName("llama").fromHfConfig(hf.config);
    const factors = llama3RopeFreqFactors(c)!;
    const base = ropeInvFreq(c.nRot, c.ropeTheta, { ...c.ropeScaling, type: "none" });
    const scaled = ropeInvFreq(c.nRot, c.ropeTheta, c.ropeScaling);
    expect(factors[0]).toBe(1); // highest frequency untouched
    expect(factors[factors.length - 1]).toBeCloseTo(8, 5); // lowest frequency divided by factor 8
    for (let i = 0; i < factors.length; i++) expect(base[i]! / factors[i]!).toBeCloseTo(scaled[i]!, 6);
    hf.close();
  });
});
