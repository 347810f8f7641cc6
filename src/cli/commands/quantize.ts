import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { ggmlTypeId, ggmlTypeName } from "../../quant/ggml-type.js";
import type { GgmlTypeName } from "../../quant/ggml-type.js";
import { quantizeFileType, quantizeFileTypeNames, quantizeModel } from "../../quantize/index.js";

interface QuantizeCliOptions {
  allowRequantize?: boolean;
  pure?: boolean;
  leaveOutputTensor?: boolean;
  outputTensorType?: string;
  tokenEmbeddingType?: string;
}

function tensorType(option: string, value: string | undefined): GgmlTypeName | undefined {
  if (value === undefined) return undefined;
  const id = ggmlTypeId(value);
  const name = id === undefined ? undefined : ggmlTypeName(id);
  if (name === undefined) throw new InputError(`${option} ${value}: not a ggml tensor type (e.g. q8_0, q6_k, f16)`);
  return name;
}

const barWidth = 30;

export function registerQuantizeCommand(program: Command): void {
  program
    .command("quantize")
    .description("quantize a GGUF file or Hugging Face directory as llama.cpp's llama-quantize does (same mixes, same bytes)")
    .argument("<in>", "input .gguf file or Hugging Face model directory")
    .argument("<out>", "output .gguf file")
    .argument("<type>", `target: ${quantizeFileTypeNames().join(", ")} (Q3_K, Q4_K, Q5_K mean the _M mixes)`)
    .option("--allow-requantize", "accept input tensors that are already quantized (quality suffers)")
    .option("--pure", "no mix: every quantizable tensor gets the base type")
    .option("--leave-output-tensor", "keep output.weight as it is")
    .option("--output-tensor-type <type>", "tensor type of output.weight (and of tied token embeddings)")
    .option("--token-embedding-type <type>", "tensor type of token_embd.weight")
    .action((input: string, out: string, type: string, opts: QuantizeCliOptions) => {
      const ftype = quantizeFileType(type);
      const showProgress = process.stderr.isTTY === true;
      const started = performance.now();
      const result = quantizeModel(input, out, ftype.name, {
        allowRequantize: opts.allowRequantize,
        pure: opts.pure,
        leaveOutputTensor: opts.leaveOutputTensor,
        outputTensorType: tensorType("--output-tensor-type", opts.outputTensorType),
        tokenEmbeddingType: tensorType("--token-embedding-type", opts.tokenEmbeddingType),
        onTensor: showProgress
          ? (done, total, name, tensorType) => {
              const filled = Math.round((done / total) * barWidth);
              const bar = "#".repeat(filled) + "-".repeat(barWidth - filled);
              process.stderr.write(`\r\x1b[2Kquantizing [${bar}] ${done}/${total} ${name} -> ${tensorType}`);
            }
          : undefined,
      });
      if (showProgress) process.stderr.write("\n");
      const elapsedSec = ((performance.now() - started) / 1000).toFixed(1);
      const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(2);
      process.stderr.write(
        `wrote ${out}: ${ftype.name} (file type ${result.fileType}), ${result.nTensors} tensors, ` +
          `${mib(result.inSizeBytes)} MiB -> ${mib(result.outSizeBytes)} MiB` +
          (result.nFallback > 0 ? `, ${result.nFallback} tensors fell back to another type` : "") +
          ` (${elapsedSec} s)\n`,
      );
    });
}
