import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertHfToGguf } from "../convert/convert-hf-to-gguf.js";
import { FormatError, InputError } from "../errors.js";
import { GgufValueType, openGguf, writeGguf } from "../formats/index.js";
import type { GgufFile, GgufKv, GgufWriteTensor } from "../formats/index.js";
import { GgmlType, ggmlTypeName } from "../quant/ggml-type.js";
import type { GgmlTypeName } from "../quant/ggml-type.js";
import { quantTraits, rowSizeBytes } from "../quant/registry.js";
import { quantizeFileType } from "./quantize-file-type.js";
import { TensorTypePolicy } from "./tensor-type-policy.js";
import type { QuantizeHparams, TypeOverrides } from "./tensor-type-policy.js";

export interface QuantizeOptions extends TypeOverrides {
  /** llama-quantize --allow-requantize: accept already-quantized input tensors. */
  allowRequantize?: boolean;
  /** Called after each tensor is written, in file order. */
  onTensor?: (done: number, total: number, name: string, type: GgmlTypeName) => void;
}

export interface QuantizeResult {
  fileType: number;
  nTensors: number;
  nFallback: number;
  inSizeBytes: number;
  outSizeBytes: number;
}

/** ggml's GGML_QNT_VERSION, which llama-quantize writes as general.quantization_version. */
const quantizationVersion = 2;

/**
 * Quantizes a GGUF file (or a Hugging Face directory, converted to F16 GGUF first as llama.cpp's workflow does)
 * into `outPath` the way llama.cpp's llama-quantize does without an importance matrix: same tensor order, the
 * same per-tensor type choices, byte-identical reference quantization, the input's metadata with
 * general.quantization_version and general.file_type moved to the end. Tensors are streamed one at a time.
 */
export function quantizeModel(inPath: string, outPath: string, typeName: string, opts: QuantizeOptions = {}): QuantizeResult {
  const ftype = quantizeFileType(typeName);
  if (statSync(inPath, { throwIfNoEntry: false })?.isDirectory()) {
    const tmp = mkdtempSync(join(tmpdir(), "tsinfer-quantize-"));
    try {
      const f16Path = join(tmp, "model-f16.gguf");
      convertHfToGguf(inPath, f16Path, { outType: "f16" });
      return quantizeGguf(f16Path, outPath, ftype.name, opts);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return quantizeGguf(inPath, outPath, ftype.name, opts);
}

function quantizeGguf(inPath: string, outPath: string, typeName: string, opts: QuantizeOptions): QuantizeResult {
  const ftype = quantizeFileType(typeName);
  const gguf = openGguf(inPath);
  try {
    // llama_model_loader's weights_map order: by layer number (non-layer tensors first), then by name.
    const infos = [...gguf.tensors].sort((a, b) => layerOf(a.name) - layerOf(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const policy = new TensorTypePolicy(
      ftype,
      readHparams(gguf),
      infos.map((t) => t.name),
      opts,
    );
    const plan = infos.map((info) => {
      const type = typeNameOf(inPath, info.name, info.type);
      return { info, from: type, to: policy.choose({ name: info.name, shape: info.shape, type }) };
    });
    let done = 0;
    const tensors: GgufWriteTensor[] = plan.map(({ info, from, to }) => ({
      name: info.name,
      type: GgmlType[to],
      shape: info.shape,
      data: () => {
        const bytes = from === to ? gguf.readTensorBytes(info) : convertTensor(inPath, info.name, gguf.readTensorBytes(info), info.shape, from, to, opts);
        opts.onTensor?.(++done, plan.length, info.name, to);
        return bytes;
      },
    }));
    writeGguf(outPath, outputKvs(gguf.kvs, ftype.fileType), tensors);
    return {
      fileType: ftype.fileType,
      nTensors: plan.length,
      nFallback: policy.nFallback,
      inSizeBytes: gguf.fileSizeBytes,
      outSizeBytes: statSync(outPath).size,
    };
  } finally {
    gguf.close();
  }
}

function layerOf(name: string): number {
  const match = /^blk\.(\d+)\./.exec(name);
  return match ? Number(match[1]) : -1;
}

function typeNameOf(file: string, tensor: string, id: number): GgmlTypeName {
  const name = ggmlTypeName(id);
  if (name === undefined) throw new FormatError(file, `tensor ${tensor} has type ${id}, which no known format uses`);
  return name;
}

function convertTensor(
  file: string,
  name: string,
  bytes: Uint8Array,
  shape: number[],
  from: GgmlTypeName,
  to: GgmlTypeName,
  opts: QuantizeOptions,
): Uint8Array {
  const unquantized = from === "F32" || from === "F16" || from === "BF16";
  if (!unquantized && !opts.allowRequantize) {
    throw new InputError(`${file}: tensor ${name} is already ${from}; requantizing is disabled (use --allow-requantize)`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  quantTraits(from).dequantize(bytes, values, n);
  const target = quantTraits(to);
  if (!target.quantize) throw new InputError(`tsinfer cannot quantize to ${to} (tensor ${name})`);
  const out = new Uint8Array((n / shape[0]) * rowSizeBytes(target, shape[0]));
  target.quantize(values, out, n);
  return out;
}

/** gguf_set_kv + gguf_set_val_u32 as llama-quantize calls them: setting a key removes it and appends it. */
function outputKvs(input: readonly GgufKv[], fileType: number): GgufKv[] {
  const dropped = new Set(["general.quantization_version", "general.file_type", "split.no", "split.count", "split.tensors.count"]);
  return [
    ...input.filter((kv) => !dropped.has(kv.key)),
    { key: "general.quantization_version", type: GgufValueType.UINT32, value: quantizationVersion },
    { key: "general.file_type", type: GgufValueType.UINT32, value: fileType },
  ];
}

function readHparams(gguf: GgufFile): QuantizeHparams {
  const arch = gguf.getString("general.architecture");
  if (arch === undefined) throw new FormatError(gguf.path, "metadata key general.architecture is missing");
  // Head counts may be per-layer arrays; llama.cpp's n_gqa() looks at layer 0.
  const first = (key: string): number | undefined => {
    const value = gguf.metadata.get(key);
    const head = Array.isArray(value) ? value[0] : value;
    return typeof head === "number" ? head : undefined;
  };
  const nLayers = gguf.getNumber(`${arch}.block_count`);
  if (nLayers === undefined) throw new FormatError(gguf.path, `metadata key ${arch}.block_count is missing`);
  const nHeads = first(`${arch}.attention.head_count`) ?? 0;
  return {
    arch,
    nLayers,
    nHeads,
    nKvHeads: first(`${arch}.attention.head_count_kv`) ?? nHeads,
    nExperts: gguf.getNumber(`${arch}.expert_count`) ?? 0,
  };
}
