import { GgufValueType } from "../../../src/formats/index.js";
import type { GgufKv, GgufValue } from "../../../src/formats/index.js";
import { GgmlType } from "../../../src/quant/ggml-type.js";
import { assembleGguf, findGgufString } from "./hostile-gguf.js";
import type { GgufParts, RawTensorInfo } from "./hostile-gguf.js";

/** One hostile file: a label to replay it by, and its bytes (made when its turn comes). */
export interface HostileCase {
  label: string;
  bytes: () => Buffer;
  /** When set, the load must fail with a typed error whose message matches (the fault is named, not stumbled on). */
  expect?: RegExp;
}

const u64Max = (1n << 64n) - 1n;
const hugeCounts: bigint[] = [0xffffffffn, 1n << 32n, 1n << 53n, 1n << 63n, u64Max];

/** Numbers under every integer/float type a key may be stored with: zero, "negative as unsigned", 2^32-1, 2^63… */
const hostileNumbers: [string, GgufValueType, GgufValue][] = [
  ["u32 0", GgufValueType.UINT32, 0],
  ["u32 1", GgufValueType.UINT32, 1],
  ["u32 3", GgufValueType.UINT32, 3],
  ["u32 300", GgufValueType.UINT32, 300],
  ["u32 65537", GgufValueType.UINT32, 65537],
  ["u32 2^31-1", GgufValueType.UINT32, 2 ** 31 - 1],
  ["u32 2^31", GgufValueType.UINT32, 2 ** 31],
  ["u32 2^32-1", GgufValueType.UINT32, 0xffffffff],
  ["i32 -1", GgufValueType.INT32, -1],
  ["i32 -2^31", GgufValueType.INT32, -(2 ** 31)],
  ["u64 2^53+1", GgufValueType.UINT64, (1n << 53n) + 1n],
  ["u64 2^63", GgufValueType.UINT64, 1n << 63n],
  ["u64 2^64-1", GgufValueType.UINT64, u64Max],
  ["i64 -1", GgufValueType.INT64, -1],
  ["f32 NaN", GgufValueType.FLOAT32, NaN],
  ["f32 Infinity", GgufValueType.FLOAT32, Infinity],
  ["f64 -Infinity", GgufValueType.FLOAT64, -Infinity],
  ["f32 1.5", GgufValueType.FLOAT32, 1.5],
  ["f64 1e300", GgufValueType.FLOAT64, 1e300],
  ["string", GgufValueType.STRING, "32"],
  ["bool", GgufValueType.BOOL, true],
];

const modelKeys = [
  "llama.block_count", "llama.embedding_length", "llama.attention.head_count", "llama.attention.head_count_kv",
  "llama.context_length", "llama.feed_forward_length", "llama.attention.key_length", "llama.attention.value_length",
  "llama.rope.dimension_count", "llama.vocab_size", "llama.expert_count", "llama.expert_used_count",
  "llama.attention.sliding_window", "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon",
  "llama.rope.scaling.factor", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
  "tokenizer.ggml.unknown_token_id",
];

/**
 * The error some values must raise: out-of-bounds counts named with key and value. (A huge declared context, 2^31-1,
 * is not an error: the context is fitted to the memory — src/kv/fit-context.ts — and the load stays fast and small.)
 */
function namedFault(key: string, value: GgufValue): RegExp | undefined {
  const counts = ["llama.block_count", "llama.embedding_length", "llama.attention.head_count", "llama.attention.head_count_kv"];
  if (counts.includes(key) && (value === 0xffffffff || value === -1)) return new RegExp(`metadata key ${key.replace(/\./g, "\\.")} is -?\\d+, expected an integer in`);
  return undefined;
}

function withKv(parts: GgufParts, key: string, kv: GgufKv | undefined): GgufParts {
  const kvs = parts.kvs.filter((k) => k.key !== key);
  if (kv) kvs.push(kv);
  return { ...parts, kvs };
}

function withInfos(parts: GgufParts, infos: RawTensorInfo[]): GgufParts {
  return { ...parts, infos };
}

const patchU32 = (b: Buffer, at: number, v: number): Buffer => (b.writeUInt32LE(v >>> 0, at), b);
const patchU64 = (b: Buffer, at: number, v: bigint): Buffer => (b.writeBigUInt64LE(v, at), b);

/**
 * The hostile GGUF files made from `base`, deterministically from `random`: header counts, metadata values under
 * every type, tokenizer arrays, string/array lengths, tensor dims/types/offsets, overlapping and missing tensors,
 * a small file declaring hundreds of layers over one layer's bytes, truncations and byte flips.
 */
export function hostileGgufCases(base: GgufParts, scratch: string, random: () => number): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (label: string, bytes: () => Buffer, expect?: RegExp): void => void cases.push({ label, bytes, ...(expect ? { expect } : {}) });
  const build = (parts: GgufParts): Buffer => assembleGguf(parts, scratch);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

  for (const v of [0, 1, 4, 0x03000000, 0xffffffff]) add(`version ${v}`, () => patchU32(build(base), 4, v));
  for (const n of [0n, 5n, 22n, ...hugeCounts]) add(`tensor count ${n}`, () => patchU64(build(base), 8, n));
  for (const n of [0n, 3n, 27n, ...hugeCounts]) add(`kv count ${n}`, () => patchU64(build(base), 16, n));

  for (const key of modelKeys) {
    add(`${key} removed`, () => build(withKv(base, key, undefined)));
    for (const [name, type, value] of hostileNumbers) add(`${key} = ${name}`, () => build(withKv(base, key, { key, type, value })), namedFault(key, value));
  }
  for (const arrayKey of ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"]) {
    const original = base.kvs.find((k) => k.key === arrayKey)!;
    const values = original.value as GgufValue[];
    const variants: [string, Partial<GgufKv>][] = [
      ["empty", { value: [] }],
      ["one item", { value: values.slice(0, 1) }],
      ["doubled", { value: [...values, ...values] }],
      ["u32 items", { itemType: GgufValueType.UINT32, value: values.map((_, i) => i) }],
      ["string items", { itemType: GgufValueType.STRING, value: values.map(String) }],
      ["huge u32 items", { itemType: GgufValueType.UINT32, value: values.map(() => 0xffffffff) }],
      ["nested", { itemType: GgufValueType.ARRAY, value: [values.slice(0, 2)], nested: [{ itemType: original.itemType! }] }],
      ["scalar", { type: GgufValueType.UINT32, value: 7 }],
    ];
    for (const [name, change] of variants) {
      add(`${arrayKey} ${name}`, () => build(withKv(base, arrayKey, { ...original, ...change } as GgufKv)));
    }
    add(`${arrayKey} removed`, () => build(withKv(base, arrayKey, undefined)));
  }
  for (const model of ["gpt2", "bert", "t5", "", "llama\0"]) {
    add(`tokenizer.ggml.model = ${JSON.stringify(model)}`, () =>
      build(withKv(base, "tokenizer.ggml.model", { key: "tokenizer.ggml.model", type: GgufValueType.STRING, value: model })));
  }
  for (const arch of ["gemma3", "qwen3moe", "gpt2", "phi3", "mamba", ""]) {
    add(`general.architecture = ${arch}`, () =>
      build(withKv(base, "general.architecture", { key: "general.architecture", type: GgufValueType.STRING, value: arch })));
  }

  // general.alignment patched in place (the writer refuses to write a bad one).
  const aligned: GgufKv = { key: "general.alignment", type: GgufValueType.UINT32, value: 32 };
  for (const v of [0, 1, 3, 16, 64, 2 ** 31, 0xffffffff]) {
    add(`general.alignment = ${v}`, () => {
      const b = build(withKv(base, aligned.key, aligned));
      return patchU32(b, findGgufString(b, aligned.key) + 8 + aligned.key.length + 4, v);
    });
  }

  // Length fields of keys, string values and arrays: just past the file, and absurd.
  for (const kv of base.kvs) {
    for (const length of [1n << 40n, u64Max]) {
      add(`length of key ${kv.key} = ${length}`, () => {
        const b = build(base);
        return patchU64(b, findGgufString(b, kv.key), length);
      });
      if (kv.type === GgufValueType.STRING || kv.type === GgufValueType.ARRAY) {
        add(`length of value ${kv.key} = ${length}`, () => {
          const b = build(base);
          const at = findGgufString(b, kv.key) + 8 + Buffer.byteLength(kv.key) + 4;
          return patchU64(b, kv.type === GgufValueType.ARRAY ? at + 4 : at, length);
        });
      }
    }
  }

  // Tensor infos: dimensions, dimension counts, types, offsets.
  const dimValues = [0n, 1n, 3n, 1n << 31n, 0xffffffffn, 1n << 63n, u64Max];
  const typeValues = [99, GgmlType.F32, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.I8, GgmlType.BF16];
  const dataBytes = BigInt(base.data.length);
  for (let i = 0; i < 240; i++) {
    const t = Math.floor(random() * base.infos.length);
    const info = base.infos[t]!;
    const kind = pick(["dim", "dim", "ndims", "type", "offset", "offset"] as const);
    let changed: RawTensorInfo;
    let label: string;
    if (kind === "dim") {
      const d = Math.floor(random() * info.shape.length);
      const v = random() < 0.3 ? info.shape[d]! * 2n : pick(dimValues);
      changed = { ...info, shape: info.shape.map((x, j) => (j === d ? v : x)) };
      label = `${info.name} dim ${d} = ${v}`;
    } else if (kind === "ndims") {
      const shape = pick([[], [...info.shape, 1n], [...info.shape, 1n, 1n, 1n], info.shape.slice(0, 1)]);
      changed = { ...info, shape };
      label = `${info.name} shape [${shape.join(", ")}]`;
    } else if (kind === "type") {
      const type = pick(typeValues);
      changed = { ...info, type };
      label = `${info.name} type ${type}`;
    } else {
      const other = pick(base.infos);
      const offset = pick([info.offset + 1n, info.offset + 32n, other.offset, other.offset + 32n, dataBytes, dataBytes - 32n, 1n << 62n, u64Max - 31n]);
      changed = { ...info, offset };
      label = `${info.name} offset ${offset}${offset === other.offset ? ` (= ${other.name})` : ""}`;
    }
    add(label, () => build(withInfos(base, base.infos.map((x, j) => (j === t ? changed : x)))));
  }
  for (const info of base.infos) {
    add(`${info.name} missing`, () => build(withInfos(base, base.infos.filter((x) => x !== info))));
    add(`${info.name} renamed into block 7`, () =>
      build(withInfos(base, base.infos.map((x) => (x === info ? { ...x, name: x.name.replace(/^blk\.\d+|^/, "blk.7") } : x)))));
    add(`${info.name} twice`, () => build(withInfos(base, [...base.infos, info])));
  }

  // The issue's amplification: block_count raised, every extra layer's tensors pointing at block 0's bytes.
  for (const nLayers of [3, 8, 300, 4096, 4097, 0xffffffff]) {
    add(`block_count ${nLayers} over block 0's bytes`, () => {
      const layer0 = base.infos.filter((x) => x.name.startsWith("blk.0."));
      const extra: RawTensorInfo[] = [];
      for (let l = 2; l < Math.min(nLayers, 300); l++) for (const x of layer0) extra.push({ ...x, name: x.name.replace("blk.0.", `blk.${l}.`) });
      const kv: GgufKv = { key: "llama.block_count", type: GgufValueType.UINT32, value: nLayers };
      return build(withInfos(withKv(base, kv.key, kv), [...base.infos, ...extra]));
    }, nLayers > 2 ? /tensors blk\.0\.\S+ .*and blk\.\d+\.\S+ .*overlap/ : undefined);
  }

  // Truncations (half in the header) and byte flips in the header.
  const headerBytes = build({ ...base, data: new Uint8Array(0) }).length;
  for (let i = 0; i < 60; i++) {
    const limit = i % 2 === 0 ? headerBytes : headerBytes + base.data.length;
    const length = Math.floor(random() * limit);
    add(`truncated to ${length} bytes`, () => build(base).subarray(0, length));
  }
  for (let i = 0; i < 100; i++) {
    const flips = Array.from({ length: 1 + Math.floor(random() * 4) }, () => [Math.floor(random() * headerBytes), 1 + Math.floor(random() * 255)] as const);
    add(`header bytes flipped at ${flips.map(([at]) => at).join(",")}`, () => {
      const b = build(base);
      for (const [at, x] of flips) b[at] = b[at]! ^ x;
      return b;
    });
  }
  return cases;
}

/**
 * A Mixtral-shaped GGUF (arch llama with experts, fused *_exps tensors): the expert keys under every hostile
 * number, and the fused tensors' dims (the expert count among them) and offsets.
 */
export function hostileMoeGgufCases(base: GgufParts, scratch: string, random: () => number): HostileCase[] {
  const cases: HostileCase[] = [];
  const build = (parts: GgufParts): Buffer => assembleGguf(parts, scratch);
  const keys = ["llama.expert_count", "llama.expert_used_count", "llama.expert_feed_forward_length", "llama.feed_forward_length"];
  for (const key of keys) {
    cases.push({ label: `MoE ${key} removed`, bytes: () => build(withKv(base, key, undefined)) });
    for (const [name, type, value] of hostileNumbers) {
      const expect = key === "llama.expert_count" && value === 0xffffffff ? /metadata key llama\.expert_count is 4294967295, expected an integer in \[0, 65536\]/ : undefined;
      cases.push({ label: `MoE ${key} = ${name}`, bytes: () => build(withKv(base, key, { key, type, value })), ...(expect ? { expect } : {}) });
    }
  }
  const fused = base.infos.filter((t) => t.name.includes("_exps."));
  const dims = [0n, 1n, 2n, 3n, 5n, 8n, 1n << 31n, u64Max];
  for (let i = 0; i < 60; i++) {
    const t = fused[Math.floor(random() * fused.length)]!;
    const d = Math.floor(random() * t.shape.length);
    const v = dims[Math.floor(random() * dims.length)]!;
    const changed = { ...t, shape: t.shape.map((x, j) => (j === d ? v : x)) };
    cases.push({ label: `MoE ${t.name} dim ${d} = ${v}`, bytes: () => build(withInfos(base, base.infos.map((x) => (x === t ? changed : x)))) });
  }
  for (const t of fused) {
    const other = fused.find((x) => x !== t && x.shape.join() === t.shape.join())!;
    cases.push({ label: `MoE ${t.name} over ${other.name}'s bytes`, bytes: () => build(withInfos(base, base.infos.map((x) => (x === t ? { ...x, offset: other.offset } : x)))), expect: /overlap/ });
  }
  return cases;
}
