import { InputError } from "../errors.js";
import type { ArchSpec } from "../model/arch-spec.js";
import { gemma } from "./gemma.js";
import { gemma2 } from "./gemma2.js";
import { gemma3 } from "./gemma3.js";
import { gpt2 } from "./gpt2.js";
import { llama } from "./llama.js";
import { mistral } from "./mistral.js";
import { mixtral } from "./mixtral.js";
import { olmo2 } from "./olmo2.js";
import { phi3 } from "./phi3.js";
import { qwen2 } from "./qwen2.js";
import { qwen3 } from "./qwen3.js";
import { qwen3Moe } from "./qwen3-moe.js";

/** Every architecture tsinfer runs. GGUF lookups take the first arch claiming a general.architecture (llama before mistral/mixtral). */
export const archs: readonly ArchSpec[] = [llama, mistral, mixtral, qwen2, qwen3, qwen3Moe, gemma, gemma2, gemma3, phi3, gpt2, olmo2];

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
