import { InputError } from "../errors.js";
import type { GgmlTypeName } from "../quant/ggml-type.js";

/** A llama-quantize target: the `general.file_type` it writes (llama.h enum llama_ftype) and its base tensor type. */
export interface QuantizeFileType {
  readonly name: string;
  readonly fileType: number;
  readonly defaultType: GgmlTypeName;
}

// llama-quant.cpp llama_ftype_get_default_type, for the targets tsinfer implements.
const fileTypes: readonly QuantizeFileType[] = [
  { name: "F32", fileType: 0, defaultType: "F32" },
  { name: "F16", fileType: 1, defaultType: "F16" },
  { name: "BF16", fileType: 32, defaultType: "BF16" },
  { name: "Q4_0", fileType: 2, defaultType: "Q4_0" },
  { name: "Q4_1", fileType: 3, defaultType: "Q4_1" },
  { name: "Q8_0", fileType: 7, defaultType: "Q8_0" },
  { name: "Q5_0", fileType: 8, defaultType: "Q5_0" },
  { name: "Q5_1", fileType: 9, defaultType: "Q5_1" },
  { name: "Q2_K", fileType: 10, defaultType: "Q2_K" },
  { name: "Q3_K_S", fileType: 11, defaultType: "Q3_K" },
  { name: "Q3_K_M", fileType: 12, defaultType: "Q3_K" },
  { name: "Q3_K_L", fileType: 13, defaultType: "Q3_K" },
  { name: "Q4_K_S", fileType: 14, defaultType: "Q4_K" },
  { name: "Q4_K_M", fileType: 15, defaultType: "Q4_K" },
  { name: "Q5_K_S", fileType: 16, defaultType: "Q5_K" },
  { name: "Q5_K_M", fileType: 17, defaultType: "Q5_K" },
  { name: "Q6_K", fileType: 18, defaultType: "Q6_K" },
  { name: "IQ4_NL", fileType: 25, defaultType: "IQ4_NL" },
  { name: "IQ4_XS", fileType: 30, defaultType: "IQ4_XS" },
];

// llama-quantize's aliases (tools/quantize/quantize.cpp QUANT_OPTIONS).
const aliases: Record<string, string> = { Q3_K: "Q3_K_M", Q4_K: "Q4_K_M", Q5_K: "Q5_K_M" };

export function quantizeFileTypeNames(): string[] {
  return fileTypes.map((t) => t.name);
}

export function quantizeFileType(name: string): QuantizeFileType {
  const upper = name.toUpperCase();
  const found = fileTypes.find((t) => t.name === (aliases[upper] ?? upper));
  if (!found) throw new InputError(`quantization type ${JSON.stringify(name)} is not one of ${quantizeFileTypeNames().join(", ")}`);
  return found;
}
