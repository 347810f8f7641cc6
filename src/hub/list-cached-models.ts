import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { openGguf, openModelFile, summarizeModel, type ModelSummary } from "../formats/index.js";
import { cachedSnapshotFiles, snapshotPath } from "./hub-cache.js";
import { ggufNameInfo, pickModelFiles, splitParts, type RepoFile } from "./pick-model-files.js";

/** One model in the cache as `tsinfer ls` shows it: metadata read from the files' headers, no weights loaded. */
export interface CachedModelEntry {
  /** org/repo:QUANT for a GGUF with a quant tag, org/repo/file for one without, org/repo for an HF directory. */
  readonly name: string;
  readonly repo: string;
  readonly commit: string;
  /** The GGUF (first part) or "." for an HF directory. */
  readonly file: string;
  readonly localPath: string;
  readonly sizeBytes: number;
  readonly architecture?: string;
  readonly paramCount?: number;
  /** The quant tag, or the dominant tensor type. */
  readonly type?: string;
  /** Why the header could not be read, when it could not. */
  readonly error?: string;
}

const repoFolder = /^models--(.+)$/;

/** Every model in every snapshot of the cache folder (missing folder: none). */
export function listCachedModels(cacheDir: string): CachedModelEntry[] {
  if (!existsSync(cacheDir)) return [];
  const out: CachedModelEntry[] = [];
  for (const folder of readdirSync(cacheDir).sort()) {
    const m = repoFolder.exec(folder);
    if (!m) continue;
    const repo = m[1]!.split("--").join("/");
    const snapshots = join(cacheDir, folder, "snapshots");
    if (!existsSync(snapshots)) continue;
    for (const commit of readdirSync(snapshots).sort()) out.push(...snapshotModels(join(cacheDir, folder), repo, commit));
  }
  return out;
}

function snapshotModels(repoDir: string, repo: string, commit: string): CachedModelEntry[] {
  const files = cachedSnapshotFiles(repoDir, commit);
  const out: CachedModelEntry[] = [];
  const firstParts = files.filter((f) => (ggufNameInfo(f.path)?.splitIndex ?? 0) === 1);
  for (const first of firstParts) {
    const parts = splitParts(files, first);
    const tag = ggufNameInfo(first.path)!.tag;
    const sameTag = firstParts.filter((f) => ggufNameInfo(f.path)!.tag === tag).length;
    const name = tag !== "" && sameTag === 1 ? `${repo}:${tag}` : `${repo}/${first.path}`;
    const localPath = snapshotPath(repoDir, commit, first.path);
    out.push(entry({ repoDir, name, repo, commit, file: first.path, localPath, parts, tag }));
  }
  try {
    const dir = pickModelFiles({ repo, revision: commit }, files.filter((f) => !f.path.toLowerCase().endsWith(".gguf")), "");
    out.push(entry({ repoDir, name: repo, repo, commit, file: ".", localPath: snapshotPath(repoDir, commit), parts: dir.files, tag: "" }));
  } catch {
    // no HF model directory in this snapshot
  }
  return out;
}

interface EntryFacts {
  readonly repoDir: string;
  readonly name: string;
  readonly repo: string;
  readonly commit: string;
  readonly file: string;
  readonly localPath: string;
  /** The split GGUF's parts, or the directory's files. */
  readonly parts: RepoFile[];
  readonly tag: string;
}

function entry(facts: EntryFacts): CachedModelEntry {
  const { repoDir, name, repo, commit, file, localPath, parts, tag } = facts;
  const sizeBytes = parts.reduce((n, p) => n + p.size, 0);
  const base = { name, repo, commit, file, localPath, sizeBytes };
  try {
    const opened = openModelFile(localPath);
    let summary: ModelSummary;
    let architecture: string | undefined;
    try {
      summary = summarizeModel(opened);
      // config.json's model_type ("llama"), the family name GGUF files carry too, rather than the class name.
      const modelType = opened.kind === "hf" ? opened.hf.config.model_type : undefined;
      architecture = typeof modelType === "string" ? modelType : summary.architecture;
    } finally {
      if (opened.kind === "gguf") opened.gguf.close();
      else opened.hf.close();
    }
    // A split GGUF's first part holds the metadata but only its share of the tensors: count the others' too.
    let paramCount = summary.paramCount;
    for (const part of opened.kind === "gguf" ? parts.slice(1) : []) {
      const more = openGguf(snapshotPath(repoDir, commit, part.path));
      try {
        paramCount += more.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
      } finally {
        more.close();
      }
    }
    return { ...base, ...(architecture !== undefined ? { architecture } : {}), paramCount, type: tag !== "" ? tag : dominantType(summary) };
  } catch (err) {
    return { ...base, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The tensor type most weights use (norms' F32 aside unless nothing else). */
function dominantType(summary: ModelSummary): string | undefined {
  const entries = Object.entries(summary.tensorTypes).sort((a, b) => b[1] - a[1]);
  return (entries.find(([t]) => t !== "F32") ?? entries[0])?.[0];
}
