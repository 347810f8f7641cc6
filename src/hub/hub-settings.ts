import { getHFHubCachePath } from "@huggingface/hub";

/** Where and how to reach the Hub, from the environment variables huggingface_hub reads. */
export interface HubSettings {
  /** HF_ENDPOINT (a mirror), default https://huggingface.co */
  readonly endpoint: string;
  /** HF_TOKEN (also HUGGING_FACE_HUB_TOKEN), sent as Authorization: Bearer. */
  readonly token?: string;
  /** HF_HUB_OFFLINE=1: the cache only, no network. */
  readonly offline: boolean;
  /** HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (the client's getHFHubCachePath). */
  readonly cacheDir: string;
}

// huggingface_hub's constants._is_true: "1", "ON", "YES", "TRUE" in any case.
const truthy = new Set(["1", "ON", "YES", "TRUE"]);

export function hubSettingsFromEnv(): HubSettings {
  const env = process.env;
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  return {
    endpoint: (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, ""),
    ...(token !== undefined ? { token } : {}),
    offline: truthy.has((env.HF_HUB_OFFLINE ?? "").toUpperCase()),
    cacheDir: getHFHubCachePath(),
  };
}
