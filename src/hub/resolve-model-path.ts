import { HubError } from "./hub-error.js";
import { isHubSpec, parseHubRef } from "./hub-ref.js";
import type { HubSettings } from "./hub-settings.js";
import { pullModel, type PullEvents } from "./pull-model.js";
import { resolveCachedModel } from "./resolve-cached-model.js";

/**
 * A `-m` value as a local path: `hf:org/repo[:QUANT]` or `hf:org/repo/file.gguf` from the cache, pulled first when
 * missing (as ollama's run and llama.cpp's -hf); anything else is already a path.
 */
export async function resolveModelPath(spec: string, settings: HubSettings, events: PullEvents = {}): Promise<string> {
  if (!isHubSpec(spec)) return spec;
  const ref = parseHubRef(spec);
  try {
    return resolveCachedModel(ref, settings.cacheDir).localPath;
  } catch (err) {
    if (!(err instanceof HubError) || settings.offline) {
      if (err instanceof HubError) throw new HubError(`${err.message}; HF_HUB_OFFLINE is set, so it cannot be pulled`);
      throw err;
    }
  }
  return (await pullModel(ref, settings, events)).localPath;
}
