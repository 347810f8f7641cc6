import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { loadModel } from "../../model/load-model.js";
import { promptLogits } from "../../model/prompt-logits.js";

interface LogitsOptions {
  model: string;
  tokens: string;
  out: string;
  chunkSize?: string;
}

/** "1,2,3" → [1, 2, 3]; anything else is an InputError naming the bad entry. */
export function parseTokenIds(text: string): number[] {
  return text.split(",").map((part, i) => {
    const s = part.trim();
    if (!/^\d+$/.test(s)) throw new InputError(`--tokens: entry ${i} is ${JSON.stringify(part)}, not a token id`);
    return Number(s);
  });
}

/** `tsinfer logits`: float32 little-endian logits [nTokens, vocab] for every position of a token sequence. */
export function registerLogitsCommand(program: Command): void {
  program
    .command("logits")
    .description("write float32 logits [nTokens, vocab] (little-endian, row-major) for every position of a token sequence")
    .requiredOption("-m, --model <path>", "GGUF file or Hugging Face model directory")
    .requiredOption("--tokens <ids>", "comma-separated token ids, e.g. 1,421,429")
    .requiredOption("--out <file>", "where to write the logits")
    .option("--chunk-size <n>", "feed the tokens through the KV cache n at a time (default: all at once)")
    .action(async (opts: LogitsOptions) => {
      const ids = parseTokenIds(opts.tokens);
      const chunk = opts.chunkSize === undefined ? ids.length : Number(opts.chunkSize);
      if (!Number.isInteger(chunk) || chunk < 1) throw new InputError(`--chunk-size ${opts.chunkSize} must be a positive integer`);
      const model = loadModel(opts.model);
      const logits = await promptLogits(model, ids, chunk);
      const bytes = new Uint8Array(logits.byteLength);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < logits.length; i++) view.setFloat32(i * 4, logits[i]!, true);
      writeFileSync(opts.out, bytes);
      console.log(`wrote ${ids.length} × ${model.config.vocabSize} float32 logits to ${opts.out}`);
    });
}
