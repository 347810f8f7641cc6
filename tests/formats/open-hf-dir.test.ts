import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FormatError } from "../../src/errors.js";
import { hfRopeParams, openGguf, openHfDir, openModelFile, openSafetensors, safetensorsToFloat32 } from "../../src/formats/index.js";
import { writeSafetensors } from "./helpers/write-safetensors.js";

const archRoot = "tests/fixtures/arch";
const archDirs = readdirSync(archRoot).filter((d) => !d.endsWith(".json"));
const summary = JSON.parse(readFileSync(`${archRoot}/summary.json`, "utf8")) as Record<string, { params: number }>;
const tmp = "tests/tmp/formats/hf";

describe("openHfDir", () => {
  it.each(archDirs)("%s: tensors add up to the parameter count transformers reported (summary.json)", (name) => {
    const hf = openHfDir(`${archRoot}/${name}`);
    try {
      const params = hf.tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
      expect(params).toBe(summary[name]!.params);
      expect(hf.tensors.every((t) => t.dtype === "F32")).toBe(true);
      expect(Array.isArray(hf.config.architectures)).toBe(true);
      expect(hf.files[0]!.metadata).toEqual({ format: "pt" });
    } finally {
      hf.close();
    }
  });

  it("reads stories-7m/hf: float16 weights equal to the GGUF conversion of the same checkpoint", () => {
    const hf = openHfDir("models/stories-7m/hf");
    const gguf = openGguf("models/stories-7m/stories-7m-f16.gguf");
    try {
      expect(hf.config.num_hidden_layers).toBe(8);
      expect(hf.generationConfig).toBeDefined();
      expect(hf.tokenizerConfig).toBeDefined();
      expect((hf.tokenizerJson as { model: { type: string } }).model.type).toBe("BPE");
      const embed = hf.tensor("model.embed_tokens.weight")!;
      expect(embed.dtype).toBe("F16");
      expect(embed.shape).toEqual([4096, 256]); // row-major [vocab, hidden]; GGUF writes ne [256, 4096]
      const hfBytes = Buffer.from(hf.readTensorBytes(embed));
      const ggufEmbd = Buffer.from(gguf.readTensorBytes(gguf.tensor("token_embd.weight")!));
      expect(hfBytes.length).toBe(4096 * 256 * 2);
      expect(Buffer.compare(hfBytes, ggufEmbd)).toBe(0); // (a 2 MiB toEqual is slow element by element)
      // The converter stored norms as F32: the exact f16 -> f32 conversion must give its numbers bit for bit.
      const norm = hf.tensor("model.norm.weight")!;
      const fromHf = safetensorsToFloat32(norm.dtype, hf.readTensorBytes(norm));
      const ggufBytes = gguf.readTensorBytes(gguf.tensor("output_norm.weight")!);
      expect(fromHf).toEqual(new Float32Array(ggufBytes.buffer, ggufBytes.byteOffset, 256));
      // Same for a BF16 view of the same values: the top halves of those float32s.
      const bf16 = new Uint8Array(512);
      for (let i = 0; i < 256; i++) bf16.set(ggufBytes.subarray(i * 4 + 2, i * 4 + 4), i * 2);
      const truncated = safetensorsToFloat32("BF16", bf16);
      const expectedTop = new Uint32Array(new Float32Array(fromHf).buffer).map((bits) => bits & 0xffff0000);
      expect(new Uint32Array(truncated.buffer)).toEqual(expectedTop);
    } finally {
      hf.close();
      gguf.close();
    }
  });

  it("reads sharded directories through model.safetensors.index.json and names a missing shard", () => {
    const dir = `${tmp}/sharded`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const whole = openSafetensors(`${archRoot}/llama/model.safetensors`);
    const half = Math.ceil(whole.tensors.length / 2);
    const shards = [whole.tensors.slice(0, half), whole.tensors.slice(half)];
    const weightMap: Record<string, string> = {};
    shards.forEach((list, i) => {
      const shardName = `model-0000${i + 1}-of-00002.safetensors`;
      const raw = list.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: whole.readTensorBytes(t) }));
      writeSafetensors(`${dir}/${shardName}`, raw);
      for (const t of list) weightMap[t.name] = shardName;
    });
    copyFileSync(`${archRoot}/llama/config.json`, `${dir}/config.json`);
    writeFileSync(`${dir}/model.safetensors.index.json`, JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const hf = openHfDir(dir);
    try {
      expect(hf.files.length).toBe(2);
      expect(hf.tensors.map((t) => t.name).sort()).toEqual(whole.tensors.map((t) => t.name).sort());
      for (const t of whole.tensors) {
        expect(Buffer.compare(hf.readTensorBytes(hf.tensor(t.name)!), whole.readTensorBytes(t)), t.name).toBe(0);
      }
    } finally {
      hf.close();
      whole.close();
    }
    rmSync(`${dir}/model-00002-of-00002.safetensors`);
    expect(() => openHfDir(dir)).toThrow(FormatError);
    expect(() => openHfDir(dir)).toThrow(/shard model-00002-of-00002.safetensors is missing/);
  });

  it("names config.json when it is not JSON, and a directory with no weights", () => {
    const dir = `${tmp}/bad-config`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/config.json`, "{ not json");
    copyFileSync(`${archRoot}/llama/model.safetensors`, `${dir}/model.safetensors`);
    expect(() => openHfDir(dir)).toThrow(/bad-config\/config.json: not valid JSON/);
    writeFileSync(`${dir}/config.json`, "{}");
    rmSync(`${dir}/model.safetensors`);
    expect(() => openHfDir(dir)).toThrow(/holds neither model.safetensors/);
  });

  it("openModelFile sniffs GGUF files and HF directories", () => {
    const g = openModelFile("tests/fixtures/quant/quant-types.gguf");
    expect(g.kind).toBe("gguf");
    if (g.kind === "gguf") g.gguf.close();
    const h = openModelFile(`${archRoot}/gpt2`);
    expect(h.kind).toBe("hf");
    if (h.kind === "hf") h.hf.close();
    expect(() => openModelFile(`${archRoot}/gpt2/reference.json`)).toThrow(FormatError);
  });
});

describe("openSafetensors validation", () => {
  const f32 = (n: number): Uint8Array => new Uint8Array(n * 4);
  const path = `${tmp}/bad.safetensors`;
  mkdirSync(tmp, { recursive: true });

  it("rejects sizes that disagree with dtype x shape, offsets past the data, unknown dtypes, overlaps", () => {
    writeSafetensors(path, [{ name: "w", dtype: "F32", shape: [2, 3], data: f32(5) }]);
    expect(() => openSafetensors(path)).toThrow(/tensor w has 20 bytes, but F32 of shape \[2, 3\] needs 24/);
    writeSafetensors(path, [{ name: "w", dtype: "F32", shape: [2], data: f32(2) }], {
      w: { dtype: "F32", shape: [2], data_offsets: [8, 16] },
    });
    expect(() => openSafetensors(path)).toThrow(/tensor w ends at data byte 16, past the end/);
    writeSafetensors(path, [{ name: "w", dtype: "Q4", shape: [2], data: f32(2) }]);
    expect(() => openSafetensors(path)).toThrow(/tensor w has dtype "Q4"/);
    writeSafetensors(path, [{ name: "a", dtype: "U8", shape: [4], data: new Uint8Array(4) }], {
      b: { dtype: "U8", shape: [2], data_offsets: [2, 4] },
    });
    expect(() => openSafetensors(path)).toThrow(/tensors a and b overlap/);
  });

  it("rejects a header length past the end of the file and a header that is not JSON", () => {
    const header = Buffer.alloc(8);
    header.writeBigUInt64LE(1000n);
    writeFileSync(path, Buffer.concat([header, Buffer.from("{}")]));
    expect(() => openSafetensors(path)).toThrow(/header length 1000 does not fit/);
    header.writeBigUInt64LE(3n);
    writeFileSync(path, Buffer.concat([header, Buffer.from("{x}")]));
    expect(() => openSafetensors(path)).toThrow(/header is not valid UTF-8 JSON/);
  });
});

describe("hfRopeParams", () => {
  const config = (name: string): Record<string, unknown> =>
    JSON.parse(readFileSync(`${archRoot}/${name}/config.json`, "utf8")) as Record<string, unknown>;

  it("reads transformers-5 rope_parameters: plain, llama3-scaled, partial rotary, per layer type", () => {
    expect(hfRopeParams(config("llama"))).toEqual({ ropeTheta: 10000 });
    const scaled = hfRopeParams(config("llama3-rope-scaled"));
    expect(scaled.ropeTheta).toBe(500000);
    expect(scaled.ropeScaling).toMatchObject({
      ropeType: "llama3",
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    expect(hfRopeParams(config("phi3-partial-rotary")).partialRotaryFactor).toBe(0.5);
    const gemma3 = hfRopeParams(config("gemma3-text"));
    expect(gemma3.ropeTheta).toBe(1e6);
    expect(gemma3.perLayerType?.sliding_attention?.ropeTheta).toBe(10000);
    expect(gemma3.perLayerType?.full_attention?.ropeTheta).toBe(1e6);
  });

  it("gives the same shape for the older rope_theta / rope_scaling / rope_local_base_freq style", () => {
    const old = {
      rope_theta: 500000,
      rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    };
    const modern = hfRopeParams(config("llama3-rope-scaled"));
    expect(hfRopeParams(old)).toEqual(modern);
    const oldGemma3 = hfRopeParams({ rope_theta: 1e6, rope_local_base_freq: 10000, rope_scaling: null });
    expect(oldGemma3.perLayerType?.sliding_attention?.ropeTheta).toBe(10000);
    expect(oldGemma3.ropeTheta).toBe(1e6);
    expect(hfRopeParams({ rope_scaling: { type: "linear", factor: 2 } }).ropeScaling).toMatchObject({ ropeType: "linear", factor: 2 });
    expect(() => hfRopeParams({ rope_theta: "big" })).toThrow(FormatError);
  });
});
