import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../errors.js";
import { isRecord } from "./is-record.js";
import { openSafetensors } from "./open-safetensors.js";
import { parseModelJson } from "./parse-model-json.js";
import type { HfTensorInfo, SafetensorsFile } from "./open-safetensors.js";

/** A Hugging Face model directory: config files parsed, safetensors tensors indexed across shards. */
export interface HfModelDir {
  readonly dir: string;
  readonly config: Record<string, unknown>;
  readonly generationConfig?: Record<string, unknown>;
  /** tokenizer.json, parsed on first access (it can be tens of MB). */
  readonly tokenizerJson?: unknown;
  readonly tokenizerConfig?: Record<string, unknown>;
  readonly tensors: HfTensorInfo[];
  /** The safetensors files, in index order. */
  readonly files: SafetensorsFile[];
  tensor(name: string): HfTensorInfo | undefined;
  readTensorBytes(info: HfTensorInfo): Uint8Array;
  close(): void;
}

const indexName = "model.safetensors.index.json";

/** Opens a directory with config.json and model.safetensors, or shards listed in model.safetensors.index.json. */
export function openHfDir(dir: string): HfModelDir {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FormatError(dir, "not a directory");
  const config = readJsonObject(join(dir, "config.json"), true)!;
  const generationConfig = readJsonObject(join(dir, "generation_config.json"), false);
  const tokenizerConfig = readJsonObject(join(dir, "tokenizer_config.json"), false);
  const files = openWeights(dir);
  try {
    return new HfDirReader(dir, config, generationConfig, tokenizerConfig, files);
  } catch (err) {
    for (const f of files) f.close();
    throw err;
  }
}

/** Reads and parses a JSON object file; a missing optional file gives undefined, anything else malformed a FormatError. */
export function readJsonObject(path: string, required: boolean): Record<string, unknown> | undefined {
  const value = readJson(path, required);
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new FormatError(path, "is JSON but not an object");
  return value;
}

function readJson(path: string, required: boolean): unknown {
  if (!existsSync(path)) {
    if (required) throw new FormatError(path, "missing (a Hugging Face model directory needs it)");
    return undefined;
  }
  return parseModelJson(path, readFileSync(path, "utf8"));
}

function openWeights(dir: string): SafetensorsFile[] {
  const indexPath = join(dir, indexName);
  if (existsSync(indexPath)) return openShards(dir, indexPath);
  const single = join(dir, "model.safetensors");
  if (existsSync(single)) return [openSafetensors(single)];
  throw new FormatError(dir, `holds neither model.safetensors nor ${indexName}`);
}

function openShards(dir: string, indexPath: string): SafetensorsFile[] {
  const index = readJsonObject(indexPath, true)!;
  const weightMap = index.weight_map;
  if (!isRecord(weightMap)) throw new FormatError(indexPath, "has no weight_map object");
  const shardNames: string[] = [];
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== "string" || shard.includes("/") || shard.includes("\\")) {
      throw new FormatError(indexPath, `weight_map.${tensor} is ${JSON.stringify(shard)}, not a file name in the directory`);
    }
    if (!shardNames.includes(shard)) shardNames.push(shard);
  }
  const files: SafetensorsFile[] = [];
  try {
    for (const shard of shardNames) {
      const path = join(dir, shard);
      if (!existsSync(path)) throw new FormatError(indexPath, `shard ${shard} is missing from ${dir}`);
      files.push(openSafetensors(path));
    }
    for (const [tensor, shard] of Object.entries(weightMap)) {
      const file = files[shardNames.indexOf(shard as string)]!;
      if (!file.tensor(tensor)) throw new FormatError(file.path, `tensor ${tensor}, which ${indexName} places here, is not in it`);
    }
  } catch (err) {
    for (const f of files) f.close();
    throw err;
  }
  return files;
}

class HfDirReader implements HfModelDir {
  readonly tensors: HfTensorInfo[] = [];
  private readonly byName = new Map<string, HfTensorInfo>();
  private readonly byFile = new Map<string, SafetensorsFile>();
  private tokenizer: { value: unknown } | undefined;

  constructor(
    readonly dir: string,
    readonly config: Record<string, unknown>,
    readonly generationConfig: Record<string, unknown> | undefined,
    readonly tokenizerConfig: Record<string, unknown> | undefined,
    readonly files: SafetensorsFile[],
  ) {
    for (const file of files) {
      this.byFile.set(file.path, file);
      for (const t of file.tensors) {
        const earlier = this.byName.get(t.name);
        if (earlier) throw new FormatError(t.file, `tensor ${t.name} is also in ${earlier.file}`);
        this.byName.set(t.name, t);
        this.tensors.push(t);
      }
    }
  }

  get tokenizerJson(): unknown {
    this.tokenizer ??= { value: readJson(join(this.dir, "tokenizer.json"), false) };
    return this.tokenizer.value;
  }

  tensor(name: string): HfTensorInfo | undefined {
    return this.byName.get(name);
  }

  readTensorBytes(info: HfTensorInfo): Uint8Array {
    const file = this.byFile.get(info.file);
    if (!file) throw new FormatError(info.file, `tensor ${info.name} is not from ${this.dir}`);
    return file.readTensorBytes(info);
  }

  close(): void {
    for (const file of this.files) file.close();
  }
}
