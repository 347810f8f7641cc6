import { InputError } from "../errors.js";

/** `--kv-cache-size`: "64MB", "1.5GB", "512KB" (powers of 1024; no unit: MB) or "4096t" → tokens of bytesPerToken each. */
export function parseKvCacheSize(value: string, bytesPerToken: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*(t|tokens|b|kb|k|mb|m|gb|g|kib|mib|gib)?$/i.exec(value.trim());
  if (!m) throw new InputError(`--kv-cache-size ${value}: expected e.g. 64MB or 4096t`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "mb").toLowerCase();
  if (unit === "t" || unit === "tokens") return Math.floor(n);
  const scale: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 };
  return Math.floor((n * scale[unit]) / bytesPerToken);
}
