import { readFileSync } from "node:fs";
import { convertHfToGguf } from "../../../src/convert/convert-hf-to-gguf.js";
import { openGguf, writeGguf } from "../../../src/formats/index.js";
import type { GgufKv } from "../../../src/formats/index.js";
import { GgufBytes } from "../../formats/helpers/gguf-bytes.js";

/** A tensor info exactly as the header stores it: 64-bit dims and offset relative to the data section. */
export interface RawTensorInfo {
  name: string;
  shape: bigint[];
  type: number;
  offset: bigint;
}

/** A GGUF taken apart: re-assembled into bytes after each mutation, so headers no correct writer produces can be made. */
export interface GgufParts {
  kvs: GgufKv[];
  infos: RawTensorInfo[];
  data: Uint8Array;
}

const alignment = 32;

/**
 * A small valid llama GGUF: the tiny HF llama fixture converted by the project's converter (2 layers, hidden 64,
 * vocab 512), with the first 512 tokens of stories-7m's SentencePiece vocabulary so its tokenizer loads too.
 */
export function buildBaseGguf(dir: string, hfDir: string, vocabSource: string): GgufParts {
  const converted = `${dir}/converted.gguf`;
  convertHfToGguf(hfDir, converted, { outType: "f16" });
  const model = openGguf(converted);
  const vocab = openGguf(vocabSource);
  try {
    const n = model.getNumber("llama.vocab_size") ?? 512;
    const tokenizerKvs = vocab.kvs
      .filter((kv) => kv.key.startsWith("tokenizer.ggml.") && kv.key !== "tokenizer.ggml.merges")
      .map((kv) => (Array.isArray(kv.value) ? { ...kv, value: kv.value.slice(0, n) } : kv));
    const kvs = [...model.kvs.filter((kv) => !kv.key.startsWith("tokenizer.")), ...tokenizerKvs];
    const parts = splitGguf(converted);
    return { ...parts, kvs };
  } finally {
    model.close();
    vocab.close();
  }
}

/** The kvs, raw tensor infos and data section of a GGUF file. */
export function splitGguf(path: string): GgufParts {
  const g = openGguf(path);
  try {
    const bytes = readFileSync(path);
    return {
      kvs: g.kvs,
      infos: g.tensors.map((t) => ({ name: t.name, shape: t.shape.map(BigInt), type: t.type, offset: BigInt(t.offset - g.dataOffset) })),
      data: new Uint8Array(bytes.subarray(g.dataOffset)),
    };
  } finally {
    g.close();
  }
}

/** Header (the project's writer, for the kvs), raw tensor infos, padding, data: the GGUF layout, any values allowed. */
export function assembleGguf(parts: GgufParts, scratchPath: string): Buffer {
  writeGguf(scratchPath, parts.kvs, []);
  const header = readFileSync(scratchPath);
  header.writeBigUInt64LE(BigInt(parts.infos.length), 8);
  const infos = new GgufBytes();
  for (const t of parts.infos) {
    infos.str(t.name).u32(t.shape.length);
    for (const d of t.shape) infos.u64(d);
    infos.u32(t.type).u64(t.offset);
  }
  const head = Buffer.concat([header, infos.bytes()]);
  const pad = Buffer.alloc((alignment - (head.length % alignment)) % alignment);
  return Buffer.concat([head, pad, parts.data]);
}

/** Where in `bytes` the u64 length of the GGUF string `s` starts (a key or tensor name), or -1. */
export function findGgufString(bytes: Buffer, s: string): number {
  const probe = new GgufBytes().str(s).bytes();
  return bytes.indexOf(probe);
}
