import { createInterface } from "node:readline";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { loadTokenizer } from "../../tokenizer/load-tokenizer.js";
import type { Tokenizer } from "../../tokenizer/tokenizer.js";

interface TokenizeOptions {
  tokenizer: string;
  special?: boolean;
  parseSpecial: boolean;
  pieces?: boolean;
  jsonl?: boolean;
}

async function tokenizeJsonl(tokenizer: Tokenizer, options: TokenizeOptions): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    let text: unknown;
    try {
      text = JSON.parse(line);
    } catch (err) {
      throw new InputError(`stdin line ${lineNo}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof text !== "string") throw new InputError(`stdin line ${lineNo}: expected a JSON string, got ${line.slice(0, 60)}`);
    const ids = tokenizer.encode(text, { addSpecialTokens: options.special === true, parseSpecial: options.parseSpecial });
    process.stdout.write(`${JSON.stringify(ids)}\n`);
  }
}

/** `tsinfer tokenize`: text to token ids with a tokenizer.json, a Hugging Face directory or a GGUF file. */
export function registerTokenizeCommand(program: Command): void {
  program
    .command("tokenize")
    .description("print the token ids of a text (or of each JSON string on stdin with --jsonl)")
    .requiredOption("--tokenizer <path>", "tokenizer.json, a Hugging Face model directory, or a .gguf file")
    .option("--special", "add the special tokens the tokenizer adds around a text (BOS/EOS)")
    .option("--no-parse-special", "treat special-token text such as <|im_start|> as plain text")
    .option("--pieces", "also print each token's id and vocabulary piece, one per line")
    .option("--jsonl", "read one JSON string per stdin line, write one JSON array of ids per line")
    .argument("[text]", "the text to tokenize")
    .action(async (text: string | undefined, options: TokenizeOptions) => {
      const tokenizer = loadTokenizer(options.tokenizer);
      if (options.jsonl === true) {
        if (text !== undefined) throw new InputError("--jsonl reads stdin: give no text argument");
        await tokenizeJsonl(tokenizer, options);
        return;
      }
      if (text === undefined) throw new InputError("give the text to tokenize (or --jsonl to read stdin)");
      const ids = tokenizer.encode(text, { addSpecialTokens: options.special === true, parseSpecial: options.parseSpecial });
      const lines = [ids.join(" ")];
      if (options.pieces === true) for (const id of ids) lines.push(`${id}\t${JSON.stringify(tokenizer.tokenToPiece(id))}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
