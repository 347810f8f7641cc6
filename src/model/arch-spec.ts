import type { GgufKv } from "../formats/index.js";
import type { RopeLayout } from "../kernels/backend.js";
import type { BlockFn } from "./block-context.js";
import type { ModelConfig } from "./config.js";
import type { GgufMetadata } from "./gguf-config.js";
import type { HfConfig } from "./hf-config.js";

/**
 * What an architecture file (src/arch/<name>.ts) provides: config mapping both ways, HF → GGUF tensor names, and
 * its block wired from the shared layers. Shared model code only ever calls these.
 */
export interface ArchSpec {
  /** The arch file's name, also ModelConfig.arch. */
  readonly name: string;
  /** HF config.json model_type values it reads. */
  readonly hfModelTypes: readonly string[];
  /** GGUF general.architecture it reads and writes. */
  readonly ggufArch: string;
  /** Q/K row layout of GGUF files of this arch (llama.cpp's converter permutes Llama-family Q/K to "normal"). */
  readonly ggufRopeLayout: RopeLayout;
  fromHfConfig(hf: HfConfig): ModelConfig;
  /** `vocabFallback`: token_embd's row count, for files without a vocabulary. */
  fromGguf(meta: GgufMetadata, vocabFallback: number): ModelConfig;
  /** GGUF metadata for `config` under llama.cpp's key names (general.architecture included; no tokenizer keys). */
  toGgufKvs(config: ModelConfig): GgufKv[];
  /** The GGUF name of an HF tensor (e.g. model.layers.3.self_attn.q_proj.weight → blk.3.attn_q.weight); null = not used. */
  hfTensorName(hfName: string): string | null;
  /** HF tensors stored [in, out] (GPT-2 Conv1D) that must be transposed to [out, in]. */
  hfTransposed?(hfName: string): boolean;
  /** Adjusts an HF 1-D tensor to its GGUF meaning in place (Gemma: norm weights w → 1 + w, as llama.cpp converts). */
  adjustHfVector?(ggufName: string, v: Float32Array): void;
  /** The block wired from shared layers (src/model/blocks.ts) for this config. */
  buildBlock(config: ModelConfig): BlockFn;
}
