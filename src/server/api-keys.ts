import { createHash, timingSafeEqual } from "node:crypto";

/** Who made a request: the id of the key it presented (a hash prefix, never the key), or "" when no key is set. */
export type RequestOwner = string;

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * The server's API keys. Presented keys are compared as SHA-256 digests with `timingSafeEqual` against every key,
 * without stopping at a match, so the time taken says nothing about how much of a key was right.
 */
export class ApiKeys {
  private readonly digests: Buffer[];
  readonly owners: RequestOwner[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
    this.owners = this.digests.map((d) => `key-${d.subarray(0, 6).toString("hex")}`);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** The owner of `presented` when it is one of the keys, else null. */
  match(presented: string): RequestOwner | null {
    const d = digest(presented);
    let found = -1;
    for (let i = 0; i < this.digests.length; i++) if (timingSafeEqual(d, this.digests[i]!) && found < 0) found = i;
    return found < 0 ? null : this.owners[found]!;
  }
}

/** The key in `Authorization: Bearer <key>` (the scheme case-insensitive, as RFC 9110 says), else null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m === null ? null : m[1]!;
}
