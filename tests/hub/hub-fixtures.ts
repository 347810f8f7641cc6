import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { HubSettings } from "../../src/hub/index.js";
import { hubRepo, type HubRepoFixture } from "../helpers/local-hub-server.js";
import { splitGguf } from "../helpers/split-gguf.js";

// Repositories made from the repo's fixtures: stories-7m as f16 GGUF, as llama-quantize's Q4_K_M GGUF, and as
// the transformers directory it was converted from (models/stories-7m/README.md has their provenance).
const m = "models/stories-7m";
export const ggufRepo = hubRepo("tsinfer-test/stories-7m-GGUF", {
  "stories-7m-F16.gguf": `${m}/stories-7m-f16.gguf`,
  "stories-7m-Q4_K_M.gguf": `${m}/llama-quantize/stories-7m-Q4_K_M.gguf`,
  "README.md": Buffer.from("# stories-7m GGUF\n"),
});
export const f16OnlyRepo = hubRepo("tsinfer-test/stories-7m-F16-GGUF", {
  "stories-7m-F16.gguf": `${m}/stories-7m-f16.gguf`,
});
export const hfDirRepo = hubRepo("tsinfer-test/stories-7m", {
  "config.json": `${m}/hf/config.json`,
  "generation_config.json": `${m}/hf/generation_config.json`,
  "model.safetensors": `${m}/hf/model.safetensors`,
  "tokenizer.json": `${m}/hf/tokenizer.json`,
  "tokenizer.model": `${m}/hf/tokenizer.model`,
  "tokenizer_config.json": `${m}/hf/tokenizer_config.json`,
  "README.md": Buffer.from("# stories-7m\n"),
  // Another pipeline's part: a pull of the model directory leaves it on the Hub.
  "onnx/model.onnx": Buffer.alloc(64 * 1024, 7),
});
export const privateRepo = hubRepo("tsinfer-test/private-GGUF", { "stories-7m-Q4_K_M.gguf": `${m}/llama-quantize/stories-7m-Q4_K_M.gguf` }, "hf_test_token");

// The f16 GGUF in three parts, as llama-gguf-split lays them out.
const splitDir = mkdtempSync(join(tmpdir(), "tsinfer-split-"));
const splitPaths = splitGguf(`${m}/stories-7m-f16.gguf`, join(splitDir, "stories-7m-F16"), 3);
export const splitRepo = hubRepo("tsinfer-test/stories-7m-split-GGUF", {
  ...Object.fromEntries(splitPaths.map((p) => [basename(p), p])),
  "stories-7m-Q4_K_M.gguf": `${m}/llama-quantize/stories-7m-Q4_K_M.gguf`,
});

export const allRepos: HubRepoFixture[] = [ggufRepo, f16OnlyRepo, hfDirRepo, privateRepo, splitRepo];

const tempRoots: string[] = [splitDir];

/** A fresh $HF_HOME/hub path under a temp folder (removed by removeTempDirs). */
export function tempCacheDir(): string {
  const root = mkdtempSync(join(tmpdir(), "tsinfer-hub-"));
  tempRoots.push(root);
  return join(root, "hub");
}

export function removeTempDirs(): void {
  for (const d of tempRoots.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function settingsFor(endpoint: string, cacheDir: string, extra: Partial<HubSettings> = {}): HubSettings {
  return { endpoint, offline: false, cacheDir, ...extra };
}
