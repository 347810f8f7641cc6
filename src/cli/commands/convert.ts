import type { Command } from "commander";
import { convertHfToGguf } from "../../convert/convert-hf-to-gguf.js";
import type { ConvertOutType } from "../../convert/tensor-values.js";
import { InputError } from "../../errors.js";

const outTypes: readonly ConvertOutType[] = ["f32", "f16", "bf16"];

export function registerConvertCommand(program: Command): void {
  program
    .command("convert")
    .description("convert a Hugging Face model directory (config.json + safetensors) to GGUF, as llama.cpp's convert_hf_to_gguf.py")
    .argument("<hf-dir>", "Hugging Face model directory")
    .argument("<out>", "output .gguf file")
    .option("--type <type>", `element type of matrices: ${outTypes.join(", ")} (norms and biases stay f32)`, "f16")
    .action((hfDir: string, out: string, opts: { type: string }) => {
      if (!outTypes.includes(opts.type as ConvertOutType)) {
        throw new InputError(`--type ${opts.type}: expected one of ${outTypes.join(", ")}`);
      }
      const showProgress = process.stderr.isTTY === true;
      const started = performance.now();
      const result = convertHfToGguf(hfDir, out, {
        outType: opts.type as ConvertOutType,
        onTensor: showProgress ? (done, total) => process.stderr.write(`\rconverting: ${done}/${total} tensors`) : undefined,
      });
      if (showProgress) process.stderr.write("\n");
      const elapsedSec = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(`wrote ${out}: ${result.arch}, ${result.nTensors} tensors, ${result.vocab} vocabulary, ${opts.type} (${elapsedSec} s)\n`);
    });
}
