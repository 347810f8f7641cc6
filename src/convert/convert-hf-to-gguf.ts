import { basename, join, resolve } from "node:path";
import { configFromHf } from "../arch/config-mapping.js";
import { openHfDir } from "../formats/open-hf-dir.js";
import { GgufValueType } from "../formats/gguf-value-type.js";
import type { GgufKv } from "../formats/gguf-value-type.js";
import { ggufKv, writeGguf } from "../formats/write-gguf.js";
import { configErrorsIn } from "../model/config-limits.js";
import { hfOptNumber } from "../model/hf-config.js";
import { buildVocabKvs } from "./gguf-vocab.js";
import { planGgufTensors } from "./plan-gguf-tensors.js";
import { convertFileTypes } from "./tensor-values.js";
import type { ConvertOutType } from "./tensor-values.js";

export interface ConvertOptions {
  outType: ConvertOutType;
  /** Called after each tensor is written. */
  onTensor?: (done: number, total: number) => void;
}

export interface ConvertResult {
  arch: string;
  nTensors: number;
  vocab: "sentencepiece" | "tokenizer.json" | "placeholder";
}

/**
 * Converts a Hugging Face model directory to a GGUF file the way llama.cpp's convert_hf_to_gguf.py does. The
 * pipeline only: the arch file (src/arch/) reads config.json and supplies the metadata keys, tensor names, weight
 * adjustments and extra tensors; this reads the directory, builds the vocabulary and writes the file.
 */
export function convertHfToGguf(dir: string, outPath: string, opts: ConvertOptions): ConvertResult {
  const hf = openHfDir(dir);
  try {
    const file = join(dir, "config.json");
    const { arch, config } = configFromHf(hf.config, file);
    const tensors = planGgufTensors(hf, arch, config, opts.outType);
    const vocab = buildVocabKvs({
      dir,
      vocabSize: config.vocabSize,
      bosId: configErrorsIn(file, () => hfOptNumber(hf.config, "bos_token_id")),
      eosId: firstId(hf.config.eos_token_id),
      tokenizerJson: hf.tokenizerJson,
      ...unkTokenOf(hf.tokenizerConfig),
    });
    const kvs: GgufKv[] = [
      ggufKv("general.architecture", arch.ggufArch),
      ggufKv("general.type", "model"),
      ggufKv("general.name", basename(resolve(dir))),
      ...arch.ggufKvs(config, hf.config),
      ggufKv("general.file_type", convertFileTypes[opts.outType], GgufValueType.UINT32),
      ...vocab.kvs,
      ggufKv("general.quantization_version", 2, GgufValueType.UINT32),
    ];
    let done = 0;
    const withProgress = tensors.map((t) => ({
      ...t,
      data: () => {
        const bytes = typeof t.data === "function" ? t.data() : t.data;
        opts.onTensor?.(++done, tensors.length);
        return bytes;
      },
    }));
    writeGguf(outPath, kvs, withProgress);
    return { arch: arch.ggufArch, nTensors: tensors.length, vocab: vocab.kind };
  } finally {
    hf.close();
  }
}

/** tokenizer_config.json's unk_token: a string or an AddedToken object {content}. */
function unkTokenOf(config: Record<string, unknown> | undefined): { unkToken?: string } {
  const v = config?.unk_token;
  if (typeof v === "string") return { unkToken: v };
  const content = (v as { content?: unknown } | null | undefined)?.content;
  return typeof content === "string" ? { unkToken: content } : {};
}

function firstId(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (Array.isArray(v) && typeof v[0] === "number") return v[0];
  return undefined;
}
