import { InputError } from "../../errors.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * --keep-alive as ollama reads it: a duration ("5m", "30s", "1h30m", "500ms"), a bare number of seconds, "0"
 * (unload right after the last request) or a negative value ("-1": never). Returns ms, or null for never.
 */
export function parseKeepAlive(value: string): number | null {
  const text = value.trim();
  if (/^-\d+(\.\d+)?[a-z]*$/.test(text)) return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text)
    throw new InputError(`--keep-alive ${value}: expected a duration such as 5m, 30s, 1h, 0 (unload at once) or -1 (never)`);
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]], 0));
}
