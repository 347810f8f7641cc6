import { InputError } from "../../errors.js";

const SCALE: Record<string, number> = {
  "": 1, b: 1,
  k: 1000, kb: 1000, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/** A size in bytes: "2GiB", "512MiB", "1.5GB" (SI: powers of 1000, IEC: powers of 1024), or a bare byte count. */
export function parseByteSize(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const scale = m ? SCALE[m[2].toLowerCase()] : undefined;
  if (!m || scale === undefined) throw new InputError(`${flag} ${value}: expected a size such as 2GiB, 512MiB or 1.5GB`);
  const bytes = Math.floor(Number(m[1]) * scale);
  if (bytes <= 0) throw new InputError(`${flag} ${value}: expected a size above 0`);
  return bytes;
}
