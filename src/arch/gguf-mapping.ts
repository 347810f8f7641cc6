import { FormatError } from "../errors.js";
import type { GgufKv } from "../formats/index.js";
import type { ArchSpec } from "../model/arch-spec.js";
import type { ModelConfig } from "../model/config.js";
import { configErrorsIn } from "../model/config-limits.js";
import type { GgufMetadata } from "../model/gguf-config.js";
import { archByName, archForGguf } from "./registry.js";

/** GGUF metadata (llama.cpp key names, general.architecture included) for a config, through its arch file. */
export function configToGgufKvs(config: ModelConfig, arch: ArchSpec | string = config.arch): GgufKv[] {
  return (typeof arch === "string" ? archByName(arch) : arch).toGgufKvs(config);
}

/** The arch and normalized config a GGUF's metadata describes (Q/K layout: the arch's GGUF layout). */
export function configFromGguf(meta: GgufMetadata, vocabFallback = 0): { arch: ArchSpec; config: ModelConfig } {
  const name = meta.getString("general.architecture");
  if (name === undefined) throw new FormatError(meta.path, "metadata key general.architecture is missing");
  const arch = archForGguf(name, meta.path);
  return { arch, config: { ...configErrorsIn(meta.path, () => arch.fromGguf(meta, vocabFallback)), ropeLayout: arch.ggufRopeLayout } };
}
