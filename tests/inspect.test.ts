import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { openModelFile, summarizeModel } from "../src/formats/index.js";
import type { ModelJson, ModelSummary } from "../src/formats/index.js";

// `tsinfer inspect` against facts checked independently of the reader: the model READMEs, llama.cpp's tokenizer
// test vectors, transformers' parameter counts and logits shapes, gguf-py's dequantized values.
const tmp = "tests/tmp/inspect";
// Each test spawns the CLI; on a loaded shared machine a Node start can take seconds.
vi.setConfig({ testTimeout: 60_000 });
mkdirSync(tmp, { recursive: true });

function inspect(args: string[]): string {
  return execFileSync("node", ["bin/tsinfer.js", "inspect", ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
}

function summaryOf(path: string): ModelSummary {
  const model = openModelFile(path);
  try {
    return summarizeModel(model);
  } finally {
    if (model.kind === "gguf") model.gguf.close();
    else model.hf.close();
  }
}

const vocabDir = "tests/fixtures/vocab";
const vocabFiles = readdirSync(vocabDir).filter((f) => f.endsWith(".gguf"));
const archDir = "tests/fixtures/arch";
const archNames = readdirSync(archDir).filter((d) => !d.endsWith(".json"));
const archParams = JSON.parse(readFileSync(`${archDir}/summary.json`, "utf8")) as Record<string, { params: number }>;

describe("inspect: stories-7m (facts from models/stories-7m/README.md and reference.json)", () => {
  const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { params: number };

  it("--json of the GGUF", () => {
    const json = JSON.parse(inspect(["models/stories-7m/stories-7m-f16.gguf", "--json"])) as ModelJson;
    expect(json.format).toBe("gguf");
    expect(json.summary).toMatchObject({
      architecture: "llama",
      nLayers: 8,
      nHeads: 8,
      nKvHeads: 4,
      hiddenSize: 256,
      ffnSize: 768,
      ctxLen: 512,
      vocabSize: 4096,
      paramCount: reference.params,
      fileSizeBytes: readFileSync("models/stories-7m/stories-7m-f16.gguf").length,
    });
    expect(json.metadata["llama.block_count"]).toBe(8);
    expect((json.metadata["tokenizer.ggml.tokens"] as string[]).length).toBe(4096); // in full with --json
    expect(json.tensors.length).toBe(74);
    expect(json.tensors.find((t) => t.name === "token_embd.weight")).toMatchObject({ type: "F16", shape: [256, 4096], sizeBytes: 2097152 });
  });

  it("the readable view", () => {
    const out = inspect(["models/stories-7m/stories-7m-f16.gguf"]);
    expect(out).toMatch(/^format {8}GGUF v3$/m);
    expect(out).toMatch(/^architecture {2}llama$/m);
    expect(out).toMatch(/^parameters {4}7\.34 M \(7,344,384\)$/m);
    expect(out).toMatch(/^heads {9}8 \(4 KV\)$/m);
    expect(out).toMatch(/^context {7}512$/m);
    expect(out).toMatch(/^tokenizer {5}llama\/default$/m);
    expect(out).toMatch(/tokenizer\.ggml\.tokens = \[4096 items: "<unk>", "<s>", "<\/s>", .*, \.\.\.\]/);
    expect(out).toMatch(/^ {2}blk\.7\.attn_k\.weight +F16 +\[256, 128\] +64\.0 KiB$/m);
  });

  it("the HF directory: same parameter count, F16, config facts", () => {
    const json = JSON.parse(inspect(["models/stories-7m/hf", "--json"])) as ModelJson;
    expect(json.format).toBe("safetensors");
    expect(json.summary).toMatchObject({
      architecture: "LlamaForCausalLM",
      paramCount: reference.params,
      nLayers: 8,
      nHeads: 8,
      nKvHeads: 4,
      ctxLen: 512,
      vocabSize: 4096,
      tokenizerKind: "BPE",
      tensorTypes: { F16: json.tensors.length },
    });
    expect(json.summary.bitsPerWeight).toBe(16);
  });

  it("--tensor --out: the HF float16 norm and the GGUF float32 norm give the same float32 file", () => {
    inspect(["models/stories-7m/hf", "--tensor", "model.norm.weight", "--out", `${tmp}/norm-hf.f32`]);
    const out = inspect(["models/stories-7m/stories-7m-f16.gguf", "--tensor", "output_norm.weight", "--out", `${tmp}/norm-gguf.f32`]);
    expect(out).toMatch(/wrote 256 float32 values of output_norm.weight \[256\]/);
    expect(readFileSync(`${tmp}/norm-hf.f32`)).toEqual(readFileSync(`${tmp}/norm-gguf.f32`));
  });
});

describe("inspect: llama.cpp's vocab GGUFs", () => {
  // Vocabulary sizes of the original tokenizers (GPT-2, BERT base uncased, Llama 2, Phi-3).
  const knownVocab: Record<string, number> = {
    "ggml-vocab-gpt-2.gguf": 50257,
    "ggml-vocab-bert-bge.gguf": 30522,
    "ggml-vocab-llama-spm.gguf": 32000,
    "ggml-vocab-phi-3.gguf": 32064,
  };

  it.each(vocabFiles)("%s: token count covers every id of llama.cpp's test vectors", (file) => {
    const s = summaryOf(`${vocabDir}/${file}`);
    expect(s.format).toBe("gguf");
    expect(s.tensorCount).toBe(0);
    expect(s.tokenizerKind).toBeDefined();
    if (knownVocab[file]) expect(s.vocabSize).toBe(knownVocab[file]);
    const outPath = `${vocabDir}/${file}.out`;
    let maxId = -1;
    try {
      for (const id of readFileSync(outPath, "utf8").split(/\s+/).filter(Boolean)) maxId = Math.max(maxId, Number(id));
    } catch {
      return; // no test vectors for this vocabulary
    }
    expect(maxId).toBeGreaterThan(0);
    expect(maxId).toBeLessThan(s.vocabSize!);
  });

  it("--json prints every token, matching the summary's vocab size", () => {
    const json = JSON.parse(inspect([`${vocabDir}/ggml-vocab-gpt-2.gguf`, "--json"])) as ModelJson;
    expect((json.metadata["tokenizer.ggml.tokens"] as string[]).length).toBe(50257);
    expect((json.metadata["tokenizer.ggml.tokens"] as string[])[15496]).toBe("Hello"); // GPT-2's id for "Hello"
    expect(json.summary.tokenizerKind).toBe("gpt2/gpt-2");
  });
});

describe("inspect: quant-types.gguf", () => {
  const listing = JSON.parse(readFileSync("tests/fixtures/quant/quant-types.json", "utf8")) as {
    tensors: { tensor: string; type: string; shape: number[]; dequant_offset_floats: number; n_floats: number }[];
  };

  it("lists every tensor with the type and shape of quant-types.json", () => {
    const json = JSON.parse(inspect(["tests/fixtures/quant/quant-types.gguf", "--json"])) as ModelJson;
    for (const entry of listing.tensors) {
      const t = json.tensors.find((x) => x.name === entry.tensor)!;
      expect(t.type).toBe(entry.type);
      expect(t.shape).toEqual([...entry.shape].reverse());
    }
  });

  it.each(["deq.Q4_K", "deq.Q8_0", "deq.BF16"])("--tensor %s writes gguf-py's dequantized values", (name) => {
    const entry = listing.tensors.find((t) => t.tensor === name)!;
    const out = `${tmp}/${name}.f32`;
    inspect(["tests/fixtures/quant/quant-types.gguf", "--tensor", name, "--out", out]);
    const reference = readFileSync("tests/fixtures/quant/quant-types.dequant.f32").subarray(
      entry.dequant_offset_floats * 4,
      (entry.dequant_offset_floats + entry.n_floats) * 4,
    );
    expect(readFileSync(out)).toEqual(reference);
  });
});

describe("inspect: Hugging Face fixture directories", () => {
  it.each(archNames)("%s: parameter count (transformers) and vocab size (logits shape)", (name) => {
    const s = summaryOf(`${archDir}/${name}`);
    const reference = JSON.parse(readFileSync(`${archDir}/${name}/reference.json`, "utf8")) as { logits_shape: number[] };
    expect(s.format).toBe("safetensors");
    expect(s.paramCount).toBe(archParams[name]!.params);
    expect(s.vocabSize).toBe(reference.logits_shape[1]);
    expect(s.bitsPerWeight).toBe(32);
    expect(s.nLayers).toBe(name === "gemma3-text" ? 3 : 2); // the fixture README: gemma3-text has 3 layers, the others 2
  });

  it("the readable view of a directory shows config.json and the tensor table", () => {
    const out = inspect([`${archDir}/llama3-rope-scaled`]);
    expect(out).toMatch(/^format {8}Hugging Face safetensors$/m);
    expect(out).toMatch(/^parameters {4}139\.6 K \(139,584\)$/m);
    expect(out).toMatch(/^ {2}rope_parameters = \{"factor":8,.*"rope_theta":500000/m);
    expect(out).toMatch(/^rope {10}theta 500000, llama3 scaling x8$/m);
    expect(out).toMatch(/^ {2}model\.embed_tokens\.weight +F32 +\[\d+, \d+\] +[\d.]+ KiB$/m);
  });

  it("RoPE facts from the fixture README: Llama-3 scaling x8 at theta 500000, Gemma 3 local 10000 vs global 1e6", () => {
    expect(summaryOf(`${archDir}/llama3-rope-scaled`)).toMatchObject({ ropeTheta: 500000, ropeScaling: { type: "llama3", factor: 8 } });
    expect(summaryOf(`${archDir}/gemma3-text`)).toMatchObject({ ropeTheta: 1e6, ropeThetaSliding: 10000 });
    expect(summaryOf(`${archDir}/gpt2`).ropeTheta).toBeUndefined(); // learned absolute positions
  });

  it("gpt2 via the CLI: GPT-2 config names (n_layer, n_positions)", () => {
    const json = JSON.parse(inspect([`${archDir}/gpt2`, "--json"])) as ModelJson;
    expect(json.summary).toMatchObject({ architecture: "GPT2LMHeadModel", nLayers: 2, ctxLen: 128, paramCount: archParams.gpt2!.params });
    expect(json.tensors.every((t) => t.file === "model.safetensors")).toBe(true);
  });
});

describe("inspect errors", () => {
  it("a file that is no model: exit 1 and one line naming it", () => {
    const result = spawnSync("node", ["bin/tsinfer.js", "inspect", "tests/fixtures/arch/summary.json"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      "tsinfer: FormatError: tests/fixtures/arch/summary.json: neither a GGUF file (no GGUF magic) nor a Hugging Face model directory",
    ]);
  });

  it("an unknown tensor name and --tensor without --out", () => {
    const missing = spawnSync("node", ["bin/tsinfer.js", "inspect", "tests/fixtures/quant/quant-types.gguf", "--tensor", "nope", "--out", `${tmp}/x.f32`], {
      encoding: "utf8",
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/quant-types.gguf: has no tensor named nope/);
    const noOut = spawnSync("node", ["bin/tsinfer.js", "inspect", "tests/fixtures/quant/quant-types.gguf", "--tensor", "deq.Q4_K"], { encoding: "utf8" });
    expect(noOut.status).toBe(1);
    expect(noOut.stderr).toMatch(/InputError: --tensor and --out go together/);
  });
});
