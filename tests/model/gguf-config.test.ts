import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archByName, archForHfModelType } from "../../src/arch/index.js";
import { openGguf, openHfDir, writeGguf } from "../../src/formats/index.js";
import { ropeInvFreq, type ModelConfig } from "../../src/model/index.js";
import { llama3RopeFreqFactors } from "../../src/model/config.js";

const tmp = mkdtempSync(join(tmpdir(), "tsinfer-gguf-config-"));

/** Float fields as float32 (GGUF stores them so); the fields a GGUF cannot carry for this source dropped. */
function comparable(c: ModelConfig): Record<string, unknown> {
  const { ropeLayout: _layout, tiedEmbeddings: _tied, arch: _arch, ...rest } = c;
  return { ...rest, normEps: Math.fround(c.normEps), ropeTheta: Math.fround(c.ropeTheta)};
}

describe("GGUF metadata mapping (llama.cpp key names)", () => {
  it("writes the keys llama.cpp's converter wrote for stories-7m, with the same types and values", () => {
    const gguf = openGguf("models/stories-7m/stories-7m-f16.gguf");
    const hf = openHfDir("models/stories-7m/hf");
    const ours = archByName("llama").toGgufKvs(archByName("llama").fromHfConfig(hf.config));
    const theirs = new Map(gguf.kvs.map((kv) => [kv.key, kv]));
    let shared = 0;
    for (const kv of ours) {
      const ref = theirs.get(kv.key);
      if (!ref) continue;
      shared++;
      expect(kv.type, kv.key).toBe(ref.type);
      expect(typeof kv.value === "number" ? Math.fround(kv.value) : kv.value, kv.key).toEqual(ref.value);
    }
    expect(shared).toBeGreaterThanOrEqual(12);
    const fromGguf = archByName("llama").fromGguf(gguf, 0);
    expect(comparable(fromGguf)).toEqual(comparable(archByName("llama").fromHfConfig(hf.config)));
    gguf.close();
    hf.close();
  });

  const root = "tests/fixtures/arch";
  for (const name of readdirSync(root).filter((d) => statSync(`${root}/${d}`).isDirectory())) {
    it(`${name}: HF config → GGUF metadata → config round trip`, () => {
      const hf = openHfDir(`${root}/${name}`);
      const arch = archForHfModelType(hf.config.model_type as string);
      const config = arch.fromHfConfig(hf.config);
      const path = join(tmp, `${name}.gguf`);
      writeGguf(path, arch.toGgufKvs(config), []);
      const gguf = openGguf(path);
      const ggufArch = archByName(gguf.getString("general.architecture") === "llama" ? "llama" : arch.name);
      const back = comparable(ggufArch.fromGguf(gguf, 0));
      const expected = comparable(config);
      // Mistral goes to arch llama (as llama.cpp converts it); its attention.sliding_window is kept and read back.
      if (name === "llama3-rope-scaled") {
        // Llama 3 scaling travels as the rope_freqs tensor (llama3RopeFreqFactors), not as metadata.
        expect(back).toEqual({ ...expected, ropeScaling: back.ropeScaling });
      } else {
        expect(back).toEqual(expected);
      }
      gguf.close();
      hf.close();
    });
  }

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
