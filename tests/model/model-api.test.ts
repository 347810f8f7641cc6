import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openHfDir, safetensorsToFloat32 } from "../../src/formats/index.js";
import { archByName } from "../../src/arch/index.js";
import { createRefBackend } from "../../src/kernels/ref/index.js";
import { hfTensorSource, loadModel, loadModelWeights, sequenceBatch } from "../../src/model/index.js";
import { maxAbsDiff, readF32 } from "./helpers.js";

const dir = "tests/fixtures/arch/llama";
const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as { input_ids: number[] };

describe("model API", () => {
  it("reports load progress up to every byte of the weights", () => {
    const calls: [number, number][] = [];
    loadModel(dir, { onProgress: (loaded, total) => calls.push([loaded, total]) });
    const hf = openHfDir(dir);
    const total = hf.tensors.reduce((a, t) => a + t.sizeBytes, 0);
    hf.close();
    expect(calls.length).toBeGreaterThan(10);
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
    expect(calls.at(-1)).toEqual([total, total]);
  });

  it("names intermediate activations through the debug hook, with their shapes and values at that point", async () => {
    const model = loadModel(dir);
    const seen = new Map<string, [number, number]>();
    const values = new Map<string, Promise<Float32Array>>();
    model.setActivationHook((name, layer, data, nRows, rowLen) => {
      seen.set(`${name}@${layer}`, [nRows, rowLen]);
      values.set(`${name}@${layer}`, data);
    });
    const ids = ref.input_ids.slice(0, 6);
    const logits = await model.forward(sequenceBatch(ids, 0, 6, 0, "last"), model.createKvCache({ ctxLen: 8, maxSeqs: 1 }));
    const c = model.config;
    expect(seen.get("embed@-1")).toEqual([6, c.hiddenSize]);
    expect(seen.get("q@1")).toEqual([6, c.nHeads * c.headDim]);
    expect(seen.get("k@0")).toEqual([6, c.nKvHeads * c.headDim]);
    expect(seen.get("ffn_act@1")).toEqual([6, c.ffnSize]);
    expect(seen.get("layer_out@1")).toEqual([6, c.hiddenSize]);
    expect(seen.get("output_norm@-1")).toEqual([1, c.hiddenSize]);
    // The embedding of the first token is its row of model.embed_tokens as stored in the safetensors file.
    const hf = openHfDir(dir);
    const info = hf.tensor("model.embed_tokens.weight")!;
    const table = safetensorsToFloat32(info.dtype, hf.readTensorBytes(info));
    hf.close();
    const embed = await values.get("embed@-1")!;
    expect(embed.length).toBe(6 * c.hiddenSize);
    expect([...embed.subarray(0, c.hiddenSize)]).toEqual([...table.subarray(ids[0]! * c.hiddenSize, (ids[0]! + 1) * c.hiddenSize)]);
    // Each value is a copy taken where it was named: the residual stream after layer 0 differs from the one after
    // the last layer (the same tensor, updated in place), and the last position's logits match transformers.
    const [out0, outLast] = [await values.get("layer_out@0")!, await values.get(`layer_out@${c.nLayers - 1}`)!];
    expect(out0.length).toBe(6 * c.hiddenSize);
    expect(maxAbsDiff(out0, outLast)).toBeGreaterThan(1e-3);
    const want = readF32(`${dir}/logits.f32`).subarray(5 * c.vocabSize, 6 * c.vocabSize);
    expect(maxAbsDiff(logits, want)).toBeLessThanOrEqual(1e-3);
  });

  it("refuses positions beyond the cache's context, logit rows outside the batch and unknown tokens", async () => {
    const model = loadModel(dir);
    const kv = model.createKvCache({ ctxLen: 4, maxSeqs: 1 });
    await expect(model.forward(sequenceBatch(ref.input_ids, 0, 5, 0, "last"), kv)).rejects.toThrow(/position 4, past its context length 4/);
    const three = sequenceBatch(ref.input_ids, 0, 3, 0, "all");
    await expect(model.forward({ ...three, nLogitRows: 4 }, kv)).rejects.toThrow(/4 logit rows for a batch of 3 tokens/);
    await expect(model.forward({ ...three, logitRows: Int32Array.of(0, 3, 1) }, kv)).rejects.toThrow(/logit row 3 outside the batch of 3 tokens/);
    await expect(model.forward(sequenceBatch([1, 512], 0, 2, 0, "last"), kv)).rejects.toThrow(/token 1 is 512/);
    expect(kv.hasSeq(0)).toBe(false);
  });

  it("runs prompt chunks that need no logits, then the last position's logits match transformers", async () => {
    const model = loadModel(dir);
    const ids = ref.input_ids;
    const kv = model.createKvCache({ ctxLen: ids.length, maxSeqs: 1 });
    const first = sequenceBatch(ids, 0, 20, 0, "last");
    expect((await model.forward({ ...first, nLogitRows: 0 }, kv)).length).toBe(0);
    const logits = await model.forward(sequenceBatch(ids, 20, ids.length, 0, "last"), kv);
    expect(logits.length).toBe(model.config.vocabSize);
    const vocab = model.config.vocabSize;
    const expected = readF32(`${dir}/logits.f32`).subarray((ids.length - 1) * vocab, ids.length * vocab);
    let worst = 0;
    for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(logits[v]! - expected[v]!));
    expect(worst).toBeLessThanOrEqual(1e-3);
  });

  it("names the tensor whose shape disagrees with the config", () => {
    const hf = openHfDir(dir);
    const arch = archByName("llama");
    const config = { ...arch.fromHfConfig(hf.config), nKvHeads: 4 };
    expect(() => loadModelWeights(hfTensorSource(hf, arch), config, createRefBackend()))
      .toThrow(/tensor blk\.0\.attn_k\.weight has shape \[64, 32\], expected \[64, 64\]/);
    hf.close();
  });
});
