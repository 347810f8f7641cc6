import { createHash, randomBytes } from "node:crypto";
import type { RequestOwner } from "./api-keys.js";

export const SESSION_COOKIE = "tsinfer_session";

const hashOf = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

/**
 * Sessions of the web UI: a browser cannot send `Authorization` when it navigates, so the login form trades the
 * API key for a random token in an HttpOnly, SameSite=Strict cookie (as Jupyter's token login does). Tokens are
 * stored hashed, so a lookup's timing says nothing about a stored token; the oldest are dropped past `capacity`.
 */
export class UiSessions {
  private readonly owners = new Map<string, RequestOwner>();

  constructor(private readonly capacity = 1024) {}

  open(owner: RequestOwner): string {
    const token = randomBytes(32).toString("base64url");
    this.owners.set(hashOf(token), owner);
    if (this.owners.size > this.capacity) this.owners.delete(this.owners.keys().next().value as string);
    return token;
  }

  /** The owner of the session named in a Cookie header, else null. */
  ownerOf(cookieHeader: string | undefined): RequestOwner | null {
    if (cookieHeader === undefined) return null;
    for (const part of cookieHeader.split(";")) {
      const eq = part.indexOf("=");
      if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
      const owner = this.owners.get(hashOf(part.slice(eq + 1).trim()));
      if (owner !== undefined) return owner;
    }
    return null;
  }

  cookie(token: string): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
  }
}
