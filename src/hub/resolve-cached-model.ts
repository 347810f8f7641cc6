import { existsSync } from "node:fs";
import { join } from "node:path";
import { readJsonObject } from "../formats/index.js";
import { cachedCommit, cachedSnapshotFiles, repoCacheDir, snapshotPath } from "./hub-cache.js";
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
  const where = `in the cache (${repoDir}, snapshot ${commit.slice(0, 12)})`;
  const files = pickModelFiles(ref, cachedSnapshotFiles(repoDir, commit), where);
  if (files.kind === "hf-dir") checkShards(name, snapshotPath(repoDir, commit), files.files.map((f) => f.path), where);
  return { ref, commit, localPath: localModelPath(repoDir, commit, files), files, downloadedBytes: 0 };
}

/** A sharded checkpoint is usable only with every shard its index names (an interrupted download leaves some out). */
function checkShards(name: string, dir: string, present: string[], where: string): void {
  for (const index of present.filter((p) => p.endsWith(".safetensors.index.json"))) {
    const weightMap = readJsonObject(join(dir, index), true)?.weight_map;
    if (typeof weightMap !== "object" || weightMap === null) continue; // the loader reports a malformed index
    const missing = [...new Set(Object.values(weightMap))].filter((f) => typeof f === "string" && !present.includes(f));
    if (missing.length > 0) throw new HubError(`${name}: ${index} names ${missing.join(", ")}, missing ${where}`);
  }
}
