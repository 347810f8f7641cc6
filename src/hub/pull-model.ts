import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { HubApiError, listFiles, modelInfo, pathsInfo } from "@huggingface/hub";
import { withBlobLock } from "./blob-lock.js";
import { blobPath, linkSnapshotFile, repoCacheDir, snapshotPath, writeRef } from "./hub-cache.js";
import { HubError } from "./hub-error.js";
import { formatHubRef, type HubRef } from "./hub-ref.js";
import type { HubSettings } from "./hub-settings.js";
import { downloadBlob, type DownloadProgress } from "./download-blob.js";
import { pickModelFiles, splitPartNames, type ModelFiles, type RepoFile } from "./pick-model-files.js";

/** A model in the cache: the path to load (the GGUF's first part, or the snapshot directory) and what it holds. */
export interface CachedModel {
  readonly ref: HubRef;
  readonly commit: string;
  readonly localPath: string;
  readonly files: ModelFiles;
  /** Bytes downloaded by this pull (0: everything was cached). */
  readonly downloadedBytes: number;
}

export interface PullEvents {
  onProgress?: (p: DownloadProgress) => void;
}

/** The load path of a snapshot's chosen files: a GGUF's first part, or the snapshot folder of an HF directory. */
export function localModelPath(repoDir: string, commit: string, files: ModelFiles): string {
  return files.kind === "gguf" ? snapshotPath(repoDir, commit, files.files[0]!.path) : snapshotPath(repoDir, commit);
}

/**
 * Fetches a model into the huggingface_hub cache layout: the revision's commit (model info), the file listing (tree,
 * or paths-info for a named file), then each missing file as blobs/<sha256 or git oid> linked from snapshots/<commit>/.
 */
export async function pullModel(ref: HubRef, settings: HubSettings, events: PullEvents = {}): Promise<CachedModel> {
  if (settings.offline) throw new HubError(`cannot pull ${formatHubRef(ref)}: HF_HUB_OFFLINE is set (the cache only)`);
  const auth = settings.token !== undefined ? { accessToken: settings.token } : {};
  const common = { hubUrl: settings.endpoint, ...auth };
  const name = formatHubRef(ref);
  const commit = await hubCall(name, settings, async () => {
    const info = await modelInfo({ name: ref.repo, revision: ref.revision, additionalFields: ["sha"], ...common });
    if (typeof info.sha !== "string" || !/^[0-9a-f]{40}$/.test(info.sha)) throw new HubError(`${name}: the Hub gave no commit hash for revision ${ref.revision}`);
    return info.sha;
  });
  const repo = { type: "model" as const, name: ref.repo };
  const remote = await hubCall(name, settings, async () => {
    const entries: RepoFile[] = [];
    if (ref.file !== undefined) {
      // A named file: paths-info on it (and on its split siblings) instead of listing the whole repository.
      for (const p of await pathsInfo({ repo, paths: splitPartNames(ref.file), revision: commit, ...common })) {
        if (p.type === "file") entries.push(repoFile(p.path, p.size, p.lfs?.oid, p.oid));
      }
    }
    // No named file, or it is not there (or in another case): the listing, so the choice or the error sees all files.
    if (!entries.some((e) => e.path === ref.file)) {
      entries.length = 0;
      for await (const e of listFiles({ repo, revision: commit, recursive: true, ...common })) {
        if (e.type === "file") entries.push(repoFile(e.path, e.size, e.lfs?.oid, e.oid));
      }
    }
    return entries;
  });
  const files = pickModelFiles(ref, remote, `at ${settings.endpoint}/${ref.repo} (${ref.revision})`);
  const repoDir = repoCacheDir(settings.cacheDir, ref.repo);
  let downloadedBytes = 0;
  for (const f of files.files) {
    const etag = f.lfsSha256 ?? f.gitOid;
    // Paths and hashes come from the server and become cache paths: nothing may climb out of the repository folder.
    if (f.path.startsWith("/") || f.path.split(/[\\/]/).some((s) => s === "" || s === "." || s === "..")) {
      throw new HubError(`${name}: the Hub listed an unsafe file path ${JSON.stringify(f.path)}`);
    }
    if (etag === undefined || !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(etag)) {
      throw new HubError(`${name}: the Hub gave no valid hash (LFS SHA-256 or git oid) for ${f.path}: ${JSON.stringify(etag)}`);
    }
    if (existsSync(snapshotPath(repoDir, commit, f.path))) continue;
    const blob = blobPath(repoDir, etag);
    if (!existsSync(blob)) {
      mkdirSync(dirname(blob), { recursive: true });
      const lock = join(settings.cacheDir, ".locks", basename(repoDir), `${etag}.tsinfer.lock`);
      await withBlobLock(lock, async () => {
        if (existsSync(blob)) return; // another pull fetched it while we waited
        const before = existsSync(`${blob}.incomplete`) ? statSync(`${blob}.incomplete`).size : 0;
        const token = settings.token !== undefined ? { token: settings.token } : {};
        await hubCall(name, settings, () => downloadBlob({ repo: ref.repo, commit, file: f, endpoint: settings.endpoint, blob, ...token, ...events }));
        downloadedBytes += f.size - before;
      });
    }
    linkSnapshotFile(repoDir, commit, f.path, etag);
  }
  writeRef(repoDir, ref.revision, commit);
  return { ref, commit, localPath: localModelPath(repoDir, commit, files), files, downloadedBytes };
}

function repoFile(path: string, size: number, lfsSha256: string | undefined, gitOid: string | undefined): RepoFile {
  return { path, size, ...(lfsSha256 !== undefined ? { lfsSha256 } : {}), ...(gitOid !== undefined ? { gitOid } : {}) };
}

/** Turns the client's errors into one line naming the model and what to do. */
async function hubCall<T>(name: string, settings: HubSettings, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof HubError) throw err;
    if (err instanceof HubApiError) {
      const status = err.statusCode;
      const hint =
        status === 401 || status === 403
          ? settings.token === undefined
            ? ": the repository is private or gated; set HF_TOKEN"
            : ": HF_TOKEN was refused (no access to this repository)"
          : status === 404
            ? ": no such repository, revision or file"
            : "";
      throw new HubError(`${name}: ${settings.endpoint} answered HTTP ${status}${hint}`);
    }
    const why = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    throw new HubError(`${name}: cannot reach ${settings.endpoint} (${why}); HF_HUB_OFFLINE=1 uses the cache only`);
  }
}
