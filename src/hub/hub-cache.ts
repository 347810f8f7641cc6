import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { getRepoFolderName } from "@huggingface/hub";
import type { RepoFile } from "./pick-model-files.js";

const commitHash = /^[0-9a-f]{40}$/;

/** $cache/models--org--repo, the folder huggingface_hub keeps one repository in. */
export function repoCacheDir(cacheDir: string, repo: string): string {
  return join(cacheDir, getRepoFolderName({ type: "model", name: repo }));
}

/** The commit a revision points at in the cache (refs/<revision>), or the revision itself when it is a commit hash. */
export function cachedCommit(repoDir: string, revision: string): string | undefined {
  if (commitHash.test(revision)) return existsSync(join(repoDir, "snapshots", revision)) ? revision : undefined;
  const ref = join(repoDir, "refs", revision);
  if (!existsSync(ref)) return undefined;
  const commit = readFileSync(ref, "utf8").trim();
  return commitHash.test(commit) ? commit : undefined;
}

export function writeRef(repoDir: string, revision: string, commit: string): void {
  if (revision === commit) return;
  const ref = join(repoDir, "refs", revision);
  mkdirSync(dirname(ref), { recursive: true });
  writeFileSync(ref, commit);
}

export function snapshotPath(repoDir: string, commit: string, path = ""): string {
  return join(repoDir, "snapshots", commit, path);
}

export function blobPath(repoDir: string, etag: string): string {
  return join(repoDir, "blobs", etag);
}

/** The files of a cached snapshot whose link resolves (a dangling link is a file the cache lost), sizes from the blobs. */
export function cachedSnapshotFiles(repoDir: string, commit: string): RepoFile[] {
  const root = snapshotPath(repoDir, commit);
  const out: RepoFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(full);
      else out.push({ path: relative(root, full).split("\\").join("/"), size: st.size });
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** Points snapshots/<commit>/<path> at blobs/<etag> by a relative link, as huggingface_hub's _create_symlink does. */
export function linkSnapshotFile(repoDir: string, commit: string, path: string, etag: string): string {
  const pointer = snapshotPath(repoDir, commit, path);
  mkdirSync(dirname(pointer), { recursive: true });
  if (lstatExists(pointer)) rmSync(pointer);
  symlinkSync(relative(dirname(pointer), blobPath(repoDir, etag)), pointer);
  return pointer;
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
