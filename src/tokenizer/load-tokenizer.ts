import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../errors.js";
import { openGguf } from "../formats/index.js";
import { parseModelJson } from "../formats/parse-model-json.js";
import { tokenizerFromGguf } from "./llamacpp/gguf-tokenizer.js";
import type { Tokenizer } from "./tokenizer.js";
import { tokenizerFromJson } from "./hf/tokenizer-json.js";

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new FormatError(path, `cannot be read: ${(e as Error).message}`);
  }
  return parseModelJson(path, text);
}

/** Loads a tokenizer.json, a directory holding one (with tokenizer_config.json beside it), or a GGUF file. */
export function loadTokenizer(path: string): Tokenizer {
  if (!existsSync(path)) throw new FormatError(path, "no such file or directory");
  if (statSync(path).isDirectory()) {
    const json = join(path, "tokenizer.json");
    if (!existsSync(json)) throw new FormatError(path, "directory holds no tokenizer.json");
    const config = join(path, "tokenizer_config.json");
    return tokenizerFromJson(readJson(json), existsSync(config) ? readJson(config) : null, json);
  }
  if (path.endsWith(".gguf")) return loadGgufTokenizer(path);
  const config = join(path, "..", "tokenizer_config.json");
  return tokenizerFromJson(readJson(path), existsSync(config) ? readJson(config) : null, path);
}

function loadGgufTokenizer(path: string): Tokenizer {
  const gguf = openGguf(path);
  try {
    return tokenizerFromGguf(gguf);
  } finally {
    gguf.close();
  }
}
