import { FormatError } from "../errors.js";
import type { ArchSpec } from "../model/arch-spec.js";
import type { ModelConfig } from "../model/config.js";
import { configErrorsIn } from "../model/config-limits.js";
import type { GgufMetadata } from "../model/gguf-config.js";
import type { HfConfig } from "../model/hf-config.js";
import { archForGguf, archForHfModelType } from "./registry.js";

/** The arch and normalized config a GGUF's metadata describes (Q/K layout: the arch's GGUF layout). */
export function configFromGguf(meta: GgufMetadata, vocabFallback = 0): { arch: ArchSpec; config: ModelConfig } {
  const name = meta.getString("general.architecture");
  if (name === undefined) throw new FormatError(meta.path, "metadata key general.architecture is missing");
  const arch = archForGguf(name, meta.path);
  return { arch, config: { ...configErrorsIn(meta.path, () => arch.fromGguf(meta, vocabFallback)), ropeLayout: arch.ggufRopeLayout } };
}

/**
 * The arch and normalized config of a Hugging Face config.json (`file` names it in errors), Q/K in HF's NeoX
 * layout. Shared by the loader and `tsinfer convert`.
 */
export function configFromHf(hf: HfConfig, file: string): { arch: ArchSpec; config: ModelConfig } {
  const modelType = hf.model_type;
  if (typeof modelType !== "string") throw new FormatError(file, "model_type is missing");
  const arch = archForHfModelType(modelType, file);
  return { arch, config: { ...configErrorsIn(file, () => arch.fromHfConfig(hf)), ropeLayout: "neox" } };
}
