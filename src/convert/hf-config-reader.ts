import { FormatError } from "../errors.js";

/** Typed access to a Hugging Face config.json; errors name the file and the key. */
export class HfConfigReader {
  constructor(
    readonly file: string,
    readonly raw: Record<string, unknown>,
  ) {}

  /** The first of `keys` that holds a number (null counts as absent). */
  optNumber(...keys: string[]): number | undefined {
    for (const key of keys) {
      const v = this.raw[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== "number") throw new FormatError(this.file, `${key} is ${JSON.stringify(v)}, expected a number`);
      return v;
    }
    return undefined;
  }

  number(...keys: string[]): number {
    const v = this.optNumber(...keys);
    if (v === undefined) throw new FormatError(this.file, `missing ${keys.join(" / ")}`);
    return v;
  }

  optBool(key: string): boolean | undefined {
    const v = this.raw[key];
    return typeof v === "boolean" ? v : undefined;
  }

  string(key: string): string {
    const v = this.raw[key];
    if (typeof v !== "string") throw new FormatError(this.file, `${key} is ${JSON.stringify(v)}, expected a string`);
    return v;
  }

  /** RoPE parameters: transformers-5 `rope_parameters` (optionally per layer type) or the older `rope_theta`/`rope_scaling`. */
  rope(layerType?: string): Record<string, unknown> {
    let p = this.raw.rope_parameters ?? this.raw.rope_scaling;
    if (isObject(p) && layerType !== undefined && isObject(p[layerType])) p = p[layerType];
    const out: Record<string, unknown> = isObject(p) ? { ...p } : {};
    if (out.rope_theta === undefined && typeof this.raw.rope_theta === "number") out.rope_theta = this.raw.rope_theta;
    return out;
  }

  ropeTheta(layerType?: string, fallback = 10000): number {
    const t = this.rope(layerType).rope_theta;
    return typeof t === "number" ? t : fallback;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
