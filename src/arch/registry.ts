import { InputError } from "../errors.js";
import type { ArchSpec } from "../model/arch-spec.js";
import { llama } from "./llama.js";

/** Every architecture tsinfer runs; GGUF lookups take the first arch claiming a general.architecture. */
export const archs: readonly ArchSpec[] = [llama];

export function archByName(name: string): ArchSpec {
  const arch = archs.find((a) => a.name === name);
  if (!arch) throw new InputError(`unknown architecture ${JSON.stringify(name)} (known: ${archs.map((a) => a.name).join(", ")})`);
  return arch;
}

export function archForHfModelType(modelType: string, file = "config.json"): ArchSpec {
  const arch = archs.find((a) => a.hfModelTypes.includes(modelType));
  if (!arch) throw new InputError(`${file}: model_type ${JSON.stringify(modelType)} is not supported (supported: ${archs.flatMap((a) => a.hfModelTypes).join(", ")})`);
  return arch;
}

export function archForGguf(ggufArch: string, file = "GGUF"): ArchSpec {
  const arch = archs.find((a) => a.ggufArch === ggufArch);
  if (!arch) throw new InputError(`${file}: general.architecture ${JSON.stringify(ggufArch)} is not supported (supported: ${[...new Set(archs.map((a) => a.ggufArch))].join(", ")})`);
  return arch;
}
