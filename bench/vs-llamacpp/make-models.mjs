#!/usr/bin/env node
// Writes GGUF models with random weights in the real shapes of SmolLM2-135M, Qwen2.5-0.5B and Llama-3.2-1B
// (tied embeddings, as those models have), every matrix in one type, with tsinfer's own GGUF writer and
// quantizers (run `npm run build` first: this imports dist/).
//   node bench/vs-llamacpp/make-models.mjs [--out bench/vs-llamacpp/models] [--models smollm2-135m,...] [--types Q8_0,Q4_0,Q4_K]
// Random values are quantized once into a 4 MiB pool of blocks; each tensor is filled from the pool at
// pseudo-random block offsets (the cost of a product does not depend on the values, only on the type and shape).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { GgufValueType, ggufKv, writeGguf } from "../../dist/formats/index.js";
import { GgmlType } from "../../dist/quant/ggml-type.js";
import { quantTraits } from "../../dist/quant/registry.js";
import { SHAPES } from "./shapes.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const outDir = args.out ?? "bench/vs-llamacpp/models";
const models = (args.models ?? Object.keys(SHAPES).join(",")).split(",");
const types = (args.types ?? "Q8_0,Q4_0,Q4_K").split(",");
mkdirSync(outDir, { recursive: true });

let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

const POOL_VALUES = 1 << 20;
const pools = new Map();
function pool(type) {
  if (!pools.has(type)) {
    const t = quantTraits(type);
    const values = Float32Array.from({ length: POOL_VALUES }, () => gauss() * 0.02);
    const bytes = new Uint8Array((POOL_VALUES / t.blockSize) * t.bytesPerBlock);
    t.quantize(values, bytes, POOL_VALUES);
    pools.set(type, { bytes, bytesPerBlock: t.bytesPerBlock, blockSize: t.blockSize });
  }
  return pools.get(type);
}

function matrix(type, rows, cols) {
  return () => {
    const p = pool(type);
    const out = new Uint8Array((rows * cols / p.blockSize) * p.bytesPerBlock);
    const chunk = 64 * p.bytesPerBlock;
    const poolChunks = Math.floor(p.bytes.length / chunk);
    for (let o = 0; o < out.length; o += chunk) {
      const src = Math.floor(rand() * poolChunks) * chunk;
      out.set(p.bytes.subarray(src, src + Math.min(chunk, out.length - o)), o);
    }
    return out;
  };
}

const ones = (n) => () => new Uint8Array(Float32Array.from({ length: n }, () => 1).buffer);
const zeros = (n) => () => new Uint8Array(n * 4);

/** A placeholder SentencePiece-style vocabulary (tokens are never decoded by the benchmark). */
function vocabKvs(n) {
  const tokens = Array.from({ length: n }, (_, i) => `<tok_${i}>`);
  const types = new Array(n).fill(1);
  ["<unk>", "<s>", "</s>"].forEach((s, i) => { tokens[i] = s; types[i] = i === 0 ? 2 : 3; });
  for (let b = 0; b < 256; b++) { tokens[3 + b] = `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`; types[3 + b] = 6; }
  return [
    ggufKv("tokenizer.ggml.model", "llama"),
    ggufKv("tokenizer.ggml.tokens", tokens, GgufValueType.ARRAY, GgufValueType.STRING),
    ggufKv("tokenizer.ggml.scores", new Array(n).fill(0), GgufValueType.ARRAY, GgufValueType.FLOAT32),
    ggufKv("tokenizer.ggml.token_type", types, GgufValueType.ARRAY, GgufValueType.INT32),
    ggufKv("tokenizer.ggml.bos_token_id", 1, GgufValueType.UINT32),
    ggufKv("tokenizer.ggml.eos_token_id", 2, GgufValueType.UINT32),
  ];
}

export function modelPath(name, type) {
  return join(outDir, `${name}-${type.toLowerCase()}.gguf`);
}

for (const name of models) {
  const s = SHAPES[name];
  for (const type of types) {
    const path = modelPath(name, type);
    if (existsSync(path)) { console.log(`${path}: exists`); continue; }
    const blockSize = quantTraits(type).blockSize;
    if (s.hidden % blockSize || s.ffn % blockSize) { console.log(`${name} ${type}: rows of ${s.hidden}/${s.ffn} are not whole ${blockSize}-blocks, skipped`); continue; }
    const headDim = s.hidden / s.heads, kvDim = s.kvHeads * headDim;
    const a = s.arch, t = GgmlType[type];
    const kvs = [
      ggufKv("general.architecture", a),
      ggufKv("general.name", `${name} random ${type}`),
      ggufKv("general.alignment", 32, GgufValueType.UINT32),
      ggufKv(`${a}.context_length`, 4096, GgufValueType.UINT32),
      ggufKv(`${a}.embedding_length`, s.hidden, GgufValueType.UINT32),
      ggufKv(`${a}.block_count`, s.layers, GgufValueType.UINT32),
      ggufKv(`${a}.feed_forward_length`, s.ffn, GgufValueType.UINT32),
      ggufKv(`${a}.attention.head_count`, s.heads, GgufValueType.UINT32),
      ggufKv(`${a}.attention.head_count_kv`, s.kvHeads, GgufValueType.UINT32),
      ggufKv(`${a}.rope.freq_base`, s.ropeBase, GgufValueType.FLOAT32),
      ggufKv(`${a}.rope.dimension_count`, headDim, GgufValueType.UINT32),
      ggufKv(`${a}.attention.layer_norm_rms_epsilon`, s.eps, GgufValueType.FLOAT32),
      ggufKv(`${a}.vocab_size`, s.vocab, GgufValueType.UINT32),
      ...vocabKvs(s.vocab),
    ];
    const F32 = GgmlType.F32;
    const tensors = [{ name: "token_embd.weight", type: t, shape: [s.hidden, s.vocab], data: matrix(type, s.vocab, s.hidden) }];
    for (let l = 0; l < s.layers; l++) {
      const p = `blk.${l}.`;
      tensors.push(
        { name: `${p}attn_norm.weight`, type: F32, shape: [s.hidden], data: ones(s.hidden) },
        { name: `${p}attn_q.weight`, type: t, shape: [s.hidden, s.hidden], data: matrix(type, s.hidden, s.hidden) },
        { name: `${p}attn_k.weight`, type: t, shape: [s.hidden, kvDim], data: matrix(type, kvDim, s.hidden) },
        { name: `${p}attn_v.weight`, type: t, shape: [s.hidden, kvDim], data: matrix(type, kvDim, s.hidden) },
        ...(s.qkvBias ? [
          { name: `${p}attn_q.bias`, type: F32, shape: [s.hidden], data: zeros(s.hidden) },
          { name: `${p}attn_k.bias`, type: F32, shape: [kvDim], data: zeros(kvDim) },
          { name: `${p}attn_v.bias`, type: F32, shape: [kvDim], data: zeros(kvDim) },
        ] : []),
        { name: `${p}attn_output.weight`, type: t, shape: [s.hidden, s.hidden], data: matrix(type, s.hidden, s.hidden) },
        { name: `${p}ffn_norm.weight`, type: F32, shape: [s.hidden], data: ones(s.hidden) },
        { name: `${p}ffn_gate.weight`, type: t, shape: [s.hidden, s.ffn], data: matrix(type, s.ffn, s.hidden) },
        { name: `${p}ffn_up.weight`, type: t, shape: [s.hidden, s.ffn], data: matrix(type, s.ffn, s.hidden) },
        { name: `${p}ffn_down.weight`, type: t, shape: [s.ffn, s.hidden], data: matrix(type, s.hidden, s.ffn) },
      );
    }
    tensors.push({ name: "output_norm.weight", type: F32, shape: [s.hidden], data: ones(s.hidden) });
    const t0 = performance.now();
    writeGguf(path, kvs, tensors);
    console.log(`${path}: written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}
