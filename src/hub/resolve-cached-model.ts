import { existsSync } from "node:fs";
import { cachedCommit, cachedSnapshotFiles, repoCacheDir } from "./hub-cache.js";
import { HubError } from "./hub-error.js";
import { formatHubRef, type HubRef } from "./hub-ref.js";
import { pickModelFiles } from "./pick-model-files.js";
import { localModelPath, type CachedModel } from "./pull-model.js";

/** The model a reference names, from the cache alone (no network); HubError naming what is missing. */
export function resolveCachedModel(ref: HubRef, cacheDir: string): CachedModel {
  const repoDir = repoCacheDir(cacheDir, ref.repo);
  const name = formatHubRef(ref);
  if (!existsSync(repoDir)) throw new HubError(`${name} is not in the cache (no ${repoDir})`);
  const commit = cachedCommit(repoDir, ref.revision);
  if (commit === undefined) throw new HubError(`${name} is not in the cache (no refs/${ref.revision} or snapshot in ${repoDir})`);
  const files = pickModelFiles(ref, cachedSnapshotFiles(repoDir, commit), `in the cache (${repoDir}, snapshot ${commit.slice(0, 12)})`);
  return { ref, commit, localPath: localModelPath(repoDir, commit, files), files, downloadedBytes: 0 };
}
