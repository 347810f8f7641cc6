import { HubError } from "./hub-error.js";
import type { HubRef } from "./hub-ref.js";

/** A file of a repository snapshot, remote (tree / paths-info) or cached. */
export interface RepoFile {
  readonly path: string;
  readonly size: number;
  /** SHA-256 of an LFS file's content (the LFS oid). */
  readonly lfsSha256?: string;
  /** Git blob id (SHA-1 of "blob <size>\0" + content). */
  readonly gitOid?: string;
}

/** What to fetch or open: one GGUF (all its split parts) or a Hugging Face model directory. */
export type ModelFiles = { kind: "gguf"; files: RepoFile[] } | { kind: "hf-dir"; files: RepoFile[] };

/** GGUF file name facts as llama.cpp's get_gguf_split_info reads them (common/download.cpp). */
export interface GgufNameInfo {
  /** The name without ".gguf" and without the split suffix. */
  readonly prefix: string;
  /** Upper-cased quant tag after the last '-' or '.', e.g. "Q4_K_M"; "" when none. */
  readonly tag: string;
  readonly splitIndex: number;
  readonly splitCount: number;
}

const splitSuffix = /^(.+)-([0-9]{5})-of-([0-9]{5})$/i;
const tagSuffix = /[-.]([A-Z0-9_]+)$/i;

export function ggufNameInfo(path: string): GgufNameInfo | undefined {
  if (!path.toLowerCase().endsWith(".gguf")) return undefined;
  let prefix = path.slice(0, -".gguf".length);
  let splitIndex = 1;
  let splitCount = 1;
  const split = splitSuffix.exec(prefix);
  if (split) {
    prefix = split[1]!;
    splitIndex = Number(split[2]);
    splitCount = Number(split[3]);
  }
  const tag = tagSuffix.exec(prefix)?.[1]?.toUpperCase() ?? "";
  return { prefix, tag, splitIndex, splitCount };
}

/** The bits a quant tag names (Q4_K_M -> 4, F16 -> 16), as llama.cpp's extract_quant_bits; 0 when none. */
export function quantBits(tag: string): number {
  const digits = /[0-9]+/.exec(tag);
  return digits ? Number(digits[0]) : 0;
}

/** A GGUF that is a language model, not a projector, imatrix or draft head (llama.cpp's gguf_filename_is_model). */
function isModelGguf(path: string): boolean {
  if (!path.toLowerCase().endsWith(".gguf")) return false;
  const name = path.slice(path.lastIndexOf("/") + 1);
  return !["mmproj", "imatrix", "mtp-", "eagle3-", "dflash-", "dspark-"].some((k) => name.includes(k));
}

const isFirstPart = (f: RepoFile): boolean => (ggufNameInfo(f.path)?.splitIndex ?? 1) === 1;

function matchesTag(path: string, tag: string): boolean {
  return new RegExp(`${tag}[.-]`, "i").test(path);
}

/** The split GGUF's every part, in order (or the file alone). */
export function splitParts(files: readonly RepoFile[], first: RepoFile): RepoFile[] {
  const info = ggufNameInfo(first.path);
  if (!info || info.splitCount <= 1) return [first];
  return files
    .filter((f) => {
      const i = ggufNameInfo(f.path);
      return i !== undefined && i.prefix === info.prefix && i.splitCount === info.splitCount;
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Names of the split parts a first part implies: prefix-00001-of-0000N.gguf … (llama.cpp common_download_get_all_parts). */
export function splitPartNames(path: string): string[] {
  const info = ggufNameInfo(path);
  if (!info || info.splitCount <= 1) return [path];
  const pad = (n: number): string => String(n).padStart(5, "0");
  return Array.from({ length: info.splitCount }, (_, i) => `${info.prefix}-${pad(i + 1)}-of-${pad(info.splitCount)}.gguf`);
}

/**
 * The GGUF a quant tag picks, as llama.cpp's `-hf` (find_best_model): the first model GGUF whose name holds the tag
 * followed by '.' or '-'. With no tag: Q4_K_M, then Q8_0; then (our addition, llama.cpp's sibling metric) the one whose
 * bits are nearest to 4; then the first.
 */
export function pickGguf(files: readonly RepoFile[], quant: string | undefined): RepoFile | undefined {
  const models = files.filter((f) => isModelGguf(f.path) && isFirstPart(f));
  if (quant !== undefined && quant !== "LATEST") return models.find((f) => matchesTag(f.path, quant));
  for (const tag of ["Q4_K_M", "Q8_0"]) {
    const hit = models.find((f) => matchesTag(f.path, tag));
    if (hit) return hit;
  }
  let best: RepoFile | undefined;
  let bestDiff = Infinity;
  for (const f of models) {
    const bits = quantBits(ggufNameInfo(f.path)?.tag ?? "");
    const diff = bits === 0 ? 1000 : Math.abs(bits - 4);
    if (diff < bestDiff) [best, bestDiff] = [f, diff];
  }
  return best;
}

// The files of a Hugging Face model directory our loader reads: config, weights, tokenizer, generation and chat
// template files (top level only; sub-folders hold other pipelines' parts, e.g. onnx/).
const hfDirFile = /^(config\.json|generation_config\.json|.*\.safetensors|.*\.safetensors\.index\.json|tokenizer\.json|tokenizer_config\.json|tokenizer\.model|special_tokens_map\.json|added_tokens\.json|vocab\.json|merges\.txt|chat_template\.jinja|chat_template\.json|preprocessor_config\.json)$/;

/** Chooses what to fetch (or open) for a reference among a snapshot's files; HubError naming what is missing. */
export function pickModelFiles(ref: HubRef, files: readonly RepoFile[], where: string): ModelFiles {
  const ggufs = files.filter((f) => f.path.toLowerCase().endsWith(".gguf"));
  const available = (): string => (ggufs.length > 0 ? `; GGUF files there: ${ggufs.map((f) => f.path).join(", ")}` : "; it has no GGUF files");
  if (ref.file !== undefined) {
    const want = ref.file.toLowerCase();
    const hit = files.find((f) => f.path.toLowerCase() === want);
    if (!hit) throw new HubError(`${ref.repo}: no file ${ref.file} ${where}${available()}`);
    if (!hit.path.toLowerCase().endsWith(".gguf")) throw new HubError(`${ref.repo}/${hit.path}: a named file must be a GGUF; name the repository alone for a Hugging Face model directory`);
    if (!isFirstPart(hit)) throw new HubError(`${ref.repo}/${hit.path} is part ${ggufNameInfo(hit.path)?.splitIndex} of a split GGUF; name the first part (…-00001-of-…)`);
    return { kind: "gguf", files: checkedParts(ref, files, hit, where) };
  }
  const picked = pickGguf(files, ref.quant);
  if (picked) return { kind: "gguf", files: checkedParts(ref, files, picked, where) };
  if (ref.quant !== undefined && ref.quant !== "LATEST") throw new HubError(`${ref.repo}: no GGUF file for quant ${ref.quant} ${where}${available()}`);
  const dir = files.filter((f) => hfDirFile.test(f.path));
  const hasConfig = dir.some((f) => f.path === "config.json");
  const hasWeights = dir.some((f) => f.path.endsWith(".safetensors"));
  if (!hasConfig || !hasWeights) {
    throw new HubError(`${ref.repo}: neither a GGUF file nor a Hugging Face model (config.json and *.safetensors) ${where}`);
  }
  return { kind: "hf-dir", files: dir };
}

function checkedParts(ref: HubRef, files: readonly RepoFile[], first: RepoFile, where: string): RepoFile[] {
  const parts = splitParts(files, first);
  const names = new Set(parts.map((p) => p.path));
  const missing = splitPartNames(first.path).filter((n) => !names.has(n));
  if (missing.length > 0) throw new HubError(`${ref.repo}: split GGUF ${first.path} lacks ${missing.join(", ")} ${where}`);
  return parts;
}
