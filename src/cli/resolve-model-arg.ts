import { hubSettingsFromEnv, resolveModelPath } from "../hub/index.js";
import { downloadProgressBar } from "./download-progress-bar.js";

/** The one place commands turn `-m` into a local path: `hf:org/repo[:QUANT]` is looked up in the cache, pulled when missing. */
export async function resolveModelArg(spec: string): Promise<string> {
  const onProgress = downloadProgressBar();
  return resolveModelPath(spec, hubSettingsFromEnv(), onProgress !== undefined ? { onProgress } : {});
}
