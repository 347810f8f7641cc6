import type { GgufKv } from "../formats/index.js";
import type { RopeLayout } from "../kernels/backend.js";
import type { BlockFn } from "./block-context.js";
import type { ModelConfig } from "./config.js";
import type { GgufMetadata } from "./gguf-config.js";
import type { HfConfig } from "./hf-config.js";

/** A tensor a GGUF file carries that the Hugging Face checkpoint does not (Llama 3's rope_freqs). */
export interface ExtraGgufTensor {
  readonly name: string;
  readonly values: Float32Array;
  /** GGUF ne order. */
  readonly shape: readonly number[];
}

/**
 * Everything tsinfer knows about one architecture, in its file src/arch/<name>.ts: config mapping from HF
 * config.json and GGUF metadata, the GGUF metadata and extra tensors `tsinfer convert` writes, HF → GGUF tensor
 * names, weight adjustments, and its block wired from the shared layers. The loader (GGUF files and HF
 * directories) and the converter only ever call these; neither asks which architecture it holds.
 */
export interface ArchSpec {
  /** The arch file's name, also ModelConfig.arch. */
  readonly name: string;
  /** HF config.json model_type values it reads. */
  readonly hfModelTypes: readonly string[];
  /** GGUF general.architecture it reads and writes. */
  readonly ggufArch: string;
  /**
   * Q/K row layout of GGUF files of this arch. HF checkpoints are "neox"; where this says "normal" (llama.cpp's
   * Llama family), convert permutes Q/K rows as convert_hf_to_gguf.py's LlamaModel.permute does.
   */
  readonly ggufRopeLayout: RopeLayout;
  fromHfConfig(hf: HfConfig): ModelConfig;
  /** `vocabFallback`: token_embd's row count, for files without a vocabulary. */
  fromGguf(meta: GgufMetadata, vocabFallback: number): ModelConfig;
  /**
   * The `<ggufArch>.*` metadata `tsinfer convert` writes for `config` (read from `hf`), with llama.cpp's key names
   * in convert_hf_to_gguf.py's order; `hf` only for what llama.cpp's converter decides from config.json itself.
   */
  ggufKvs(config: ModelConfig, hf: HfConfig): GgufKv[];
  /** Tensors convert adds to the GGUF file (Llama 3 RoPE scaling as rope_freqs). */
  ggufExtraTensors?(config: ModelConfig): ExtraGgufTensor[];
  /**
   * The GGUF name of an HF tensor (model.layers.3.self_attn.q_proj.weight → blk.3.attn_q.weight; MoE experts one
   * by one as blk.N.ffn_gate.E.weight); null for a buffer that is no weight (RoPE inv_freq, GPT-2's causal mask);
   * undefined for a name the arch does not know (convert rejects it, the loader ignores it).
   */
  hfTensorName(hfName: string): string | null | undefined;
  /** HF tensors stored [in, out] (GPT-2's Conv1D) that must be transposed to [out, in]. */
  hfTransposed?(hfName: string): boolean;
  /**
   * The in-place change an HF tensor (by GGUF name) needs to hold what the GGUF tensor holds (Gemma's norms:
   * w → 1 + w, as llama.cpp converts them); undefined when it needs none. Loader and converter both apply it.
   */
  hfAdjustment?(ggufName: string): ((values: Float32Array) => void) | undefined;
  /** The block wired from shared layers (src/model/blocks.ts) for this config. */
  buildBlock(config: ModelConfig): BlockFn;
}
