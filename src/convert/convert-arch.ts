import type { GgufValue } from "../formats/gguf-value-type.js";
import type { HfConfigReader } from "./hf-config-reader.js";

/** One metadata entry without the `<arch>.` prefix; integers are written as uint32, other numbers as float32. */
export interface ArchKv {
  key: string;
  value: GgufValue;
  /** Force float32 for a number that happens to be an integer (an epsilon, a RoPE base). */
  float?: boolean;
}

/** The shape facts every converter needs, from config.json. */
export interface ConvertDims {
  hiddenSize: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  vocabSize: number;
}

/** A tensor the converter adds that the checkpoint does not hold (llama3's rope_freqs). */
export interface ExtraTensor {
  name: string;
  values: Float32Array;
  /** GGUF ne order. */
  shape: number[];
}

/**
 * How one Hugging Face `model_type` becomes a GGUF file in llama.cpp's conventions (convert_hf_to_gguf.py):
 * the GGUF architecture, its hyperparameter keys, and the tensor renaming and rewriting.
 */
export interface ConvertArch {
  readonly ggufArch: string;
  dims(c: HfConfigReader): ConvertDims;
  kvs(c: HfConfigReader, d: ConvertDims): ArchKv[];
  /** Layer-local HF module paths (after `layers.N.`) that this arch names differently from the shared table. */
  readonly layerNames?: Readonly<Record<string, string>>;
  /** Q/K rows go to GGUF's interleaved RoPE layout (llama.cpp's LLAMA arch uses "normal" RoPE). */
  readonly permuteQK?: boolean;
  /** Gemma stores RMSNorm weights as w − 1 (it computes x·(1 + w)); llama.cpp's gemma graph wants 1 + w. */
  readonly normAddOne?: boolean;
  /** GPT-2's Conv1D weights are [in, out]; GGUF wants [out, in] rows. */
  readonly conv1d?: boolean;
  /** llama.cpp's graph for this arch always reads the output projection from token_embd. */
  readonly outputAlwaysTied?: boolean;
  extraTensors?(c: HfConfigReader, d: ConvertDims): ExtraTensor[];
}
