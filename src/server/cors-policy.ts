import type { IncomingHttpHeaders } from "node:http";
import { InputError } from "../errors.js";

/** Which web origins may call the API from a browser (`--cors-origin`): every origin ("*") or a list of them. */
export interface CorsPolicy {
  anyOrigin: boolean;
  origins: ReadonlySet<string>;
}

const ALLOW_METHODS = "GET, POST, OPTIONS";
// Authorization is never covered by "Access-Control-Allow-Headers: *" (Fetch standard): name it.
const ALWAYS_ALLOWED_HEADERS = ["authorization", "content-type"];
// What a browser script may read of an answer besides the CORS-safelisted headers.
const EXPOSE_HEADERS = "x-request-id, retry-after";
const MAX_AGE_SEC = "600";
// A header name list as browsers send it: tokens separated by commas (RFC 9110 field names).
const HEADER_LIST = /^[!#$%&'*+.^_`|~0-9a-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9a-z-]+)*$/i;

/**
 * `--cors-origin` values (each may be a comma list) → a policy, or null (none given: no CORS headers at all, so
 * browsers on other origins cannot read answers). Each origin must be `*` or scheme://host[:port] with nothing else.
 */
export function parseCorsOrigins(values: readonly string[]): CorsPolicy | null {
  const origins = new Set<string>();
  let anyOrigin = false;
  for (const value of values) {
    for (const raw of value.split(",")) {
      const o = raw.trim();
      if (o === "") continue;
      if (o === "*") {
        anyOrigin = true;
        continue;
      }
      origins.add(normalizeOrigin(o));
    }
  }
  if (!anyOrigin && origins.size === 0) return null;
  return { anyOrigin, origins };
}

function normalizeOrigin(o: string): string {
  let url: URL;
  try {
    url = new URL(o);
  } catch {
    throw new InputError(`--cors-origin ${o}: expected * or an origin such as https://app.example.com or http://localhost:5173`);
  }
  const bare = (url.protocol === "http:" || url.protocol === "https:") && url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
  if (!bare || /[?#@]/.test(o) || !/^https?:\/\/[^/]+\/?$/i.test(o))
    throw new InputError(`--cors-origin ${o}: expected scheme://host[:port] (http or https, no path, query or credentials)`);
  return url.origin;
}

/** Whether `origin` (the request's Origin header) may read answers. */
function allowed(policy: CorsPolicy, origin: string | undefined): origin is string {
  return origin !== undefined && (policy.anyOrigin || policy.origins.has(origin));
}

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method (a plain OPTIONS is an ordinary request). */
export function isPreflight(method: string, headers: IncomingHttpHeaders): boolean {
  return method === "OPTIONS" && typeof headers.origin === "string" && typeof headers["access-control-request-method"] === "string";
}

/** Headers for an ordinary answer (JSON, SSE or an error) to a request with `headers`. */
export function corsHeaders(policy: CorsPolicy, headers: IncomingHttpHeaders): [string, string][] {
  const origin = headers.origin;
  // A list of origins answers each with its own name: caches must keep the answers apart.
  const out: [string, string][] = policy.anyOrigin ? [] : [["vary", "Origin"]];
  if (!allowed(policy, origin)) return out;
  out.push(["access-control-allow-origin", policy.anyOrigin ? "*" : origin], ["access-control-expose-headers", EXPOSE_HEADERS]);
  return out;
}

/**
 * Headers for the 204 answer to a preflight. An origin that is not allowed gets no Allow-* headers (the browser then
 * refuses the real request); the requested header names are echoed when they are well-formed, plus Authorization and
 * Content-Type, so SDKs that add their own headers (x-stainless-…) pass.
 */
export function preflightHeaders(policy: CorsPolicy, headers: IncomingHttpHeaders): [string, string][] {
  const out: [string, string][] = policy.anyOrigin ? [] : [["vary", "Origin, Access-Control-Request-Headers"]];
  const origin = headers.origin;
  if (!allowed(policy, origin)) return out;
  out.push(["access-control-allow-origin", policy.anyOrigin ? "*" : origin]);
  const requested = headers["access-control-request-headers"];
  const names = new Set(ALWAYS_ALLOWED_HEADERS);
  if (typeof requested === "string" && requested.length <= 2048 && HEADER_LIST.test(requested.trim()))
    for (const n of requested.split(",")) names.add(n.trim().toLowerCase());
  out.push(["access-control-allow-methods", ALLOW_METHODS], ["access-control-allow-headers", [...names].join(", ")], ["access-control-max-age", MAX_AGE_SEC]);
  return out;
}
