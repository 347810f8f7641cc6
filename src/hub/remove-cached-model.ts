import { existsSync, lstatSync, readdirSync, readlinkSync, rmSync, rmdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cachedSnapshotFiles, repoCacheDir, snapshotPath } from "./hub-cache.js";
import { HubError } from "./hub-error.js";
import { formatHubRef, type HubRef } from "./hub-ref.js";
import { pickModelFiles } from "./pick-model-files.js";

export interface RemovedModel {
  /** Snapshot paths unlinked (relative to the repository folder). */
  readonly files: string[];
  readonly freedBytes: number;
  /** True when nothing of the repository was left, so its folder went too. */
  readonly repoRemoved: boolean;
}

/**
 * Removes a model from the cache: org/repo removes the repository folder; org/repo:QUANT or org/repo/file unlinks
 * that model's files in every snapshot, then the blobs no link uses any more, then the folder if no snapshot is left.
 */
export function removeCachedModel(ref: HubRef, cacheDir: string): RemovedModel {
  const repoDir = repoCacheDir(cacheDir, ref.repo);
  const name = formatHubRef(ref);
  if (!existsSync(repoDir)) throw new HubError(`${name} is not in the cache (no ${repoDir})`);
  if (ref.file === undefined && ref.quant === undefined) {
    const freedBytes = blobBytes(repoDir, () => true);
    rmSync(repoDir, { recursive: true, force: true });
    return { files: ["."], freedBytes, repoRemoved: true };
  }
  const snapshots = existsSync(join(repoDir, "snapshots")) ? readdirSync(join(repoDir, "snapshots")) : [];
  const removed: string[] = [];
  for (const commit of snapshots) {
    let picked;
    try {
      picked = pickModelFiles(ref, cachedSnapshotFiles(repoDir, commit), "");
    } catch {
      continue;
    }
    if (picked.kind !== "gguf") continue;
    for (const f of picked.files) {
      rmSync(snapshotPath(repoDir, commit, f.path));
      removeEmptyDirs(dirname(snapshotPath(repoDir, commit, f.path)), join(repoDir, "snapshots"));
      removed.push(join("snapshots", commit, f.path));
    }
  }
  if (removed.length === 0) throw new HubError(`${name} is not in the cache (no matching file in ${repoDir}/snapshots)`);
  const used = linkedBlobs(repoDir);
  const freedBytes = blobBytes(repoDir, (blob) => !used.has(blob));
  for (const blob of listBlobs(repoDir)) if (!used.has(blob)) rmSync(join(repoDir, "blobs", blob));
  const left = existsSync(join(repoDir, "snapshots")) ? readdirSync(join(repoDir, "snapshots")).length : 0;
  if (left === 0) rmSync(repoDir, { recursive: true, force: true });
  return { files: removed, freedBytes, repoRemoved: left === 0 };
}

function listBlobs(repoDir: string): string[] {
  const dir = join(repoDir, "blobs");
  return existsSync(dir) ? readdirSync(dir) : [];
}

function blobBytes(repoDir: string, counted: (blob: string) => boolean): number {
  return listBlobs(repoDir)
    .filter(counted)
    .reduce((n, b) => n + lstatSync(join(repoDir, "blobs", b)).size, 0);
}

/** Blob names some snapshot link points at. */
function linkedBlobs(repoDir: string): Set<string> {
  const used = new Set<string>();
  const blobs = resolve(repoDir, "blobs");
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isSymbolicLink()) {
        const target = resolve(dirname(full), readlinkSync(full));
        if (dirname(target) === blobs) used.add(target.slice(blobs.length + 1));
      }
    }
  };
  if (existsSync(join(repoDir, "snapshots"))) walk(join(repoDir, "snapshots"));
  return used;
}

function removeEmptyDirs(dir: string, stopAt: string): void {
  const stop = resolve(stopAt);
  let d = resolve(dir);
  while (d !== stop && d.startsWith(stop) && readdirSync(d).length === 0) {
    rmdirSync(d);
    d = dirname(d);
  }
  if (d === stop && readdirSync(d).length === 0) rmdirSync(d);
}
