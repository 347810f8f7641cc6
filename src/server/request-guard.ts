import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "./api-error.js";
import { bearerToken } from "./api-keys.js";
import type { ApiKeys, RequestOwner } from "./api-keys.js";
import { corsHeaders, isPreflight, preflightHeaders } from "./cors-policy.js";
import type { CorsPolicy } from "./cors-policy.js";
import { LOGIN_CSS_HASH, loginPage } from "./login-page.js";
import type { UiSessions } from "./ui-sessions.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who sent the request (set by the guard): the id of its API key, or "" when the server has none. */
    owner: RequestOwner;
  }
}

export interface GuardOptions {
  keys: ApiKeys;
  sessions: UiSessions;
  /** Serve /metrics without a key (Prometheus scrapers that cannot send one). */
  metricsPublic: boolean;
  /** Host header names (without port) the server answers; null answers every name. */
  allowedHosts: ReadonlySet<string> | null;
  /** --cors-origin: which web origins may read answers; null sends no CORS headers. */
  cors: CorsPolicy | null;
}

// Routes anyone may call: liveness and readiness probes carry no key. /login checks the key itself.
const PUBLIC_ROUTES = new Set(["/health", "/live", "/login"]);

const SECURITY_HEADERS: [string, string][] = [
  [
    "content-security-policy",
    `default-src 'none'; script-src 'self'; style-src 'self' ${LOGIN_CSS_HASH}; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  ],
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
];

/**
 * Every request passes here after routing, so the decision is made on the route Fastify matched (the decoded,
 * normalized path), never on the raw URL: deny by default — any route but the public ones, and any path that
 * matched no route, needs the key (a Bearer header, or the web UI's session cookie). The Host header is checked
 * first (DNS rebinding), and the security and CORS headers are set on the raw response, so SSE streams and errors
 * (401s included, so a browser script can read why) carry them too. A CORS preflight is answered here with an empty
 * 204 and never reaches a route: browsers send no key on it, and it returns nothing but the CORS policy.
 */
export function registerRequestGuard(app: FastifyInstance, o: GuardOptions): void {
  app.decorateRequest("owner", "");
  app.addHook("onRequest", async (request, reply) => {
    for (const [name, value] of SECURITY_HEADERS) reply.raw.setHeader(name, value);
    const preflight = o.cors !== null && isPreflight(request.method, request.headers);
    if (o.cors !== null) for (const [name, value] of preflight ? preflightHeaders(o.cors, request.headers) : corsHeaders(o.cors, request.headers)) reply.raw.setHeader(name, value);
    checkHost(request, o.allowedHosts);
    if (preflight) return reply.code(204).send();
    const route = request.routeOptions.url;
    if (!o.keys.enabled) return;
    if (route !== undefined && (PUBLIC_ROUTES.has(route) || (route === "/metrics" && o.metricsPublic))) return;
    const token = bearerToken(request.headers.authorization);
    const owner = token !== null ? o.keys.match(token) : o.sessions.ownerOf(request.headers.cookie);
    if (owner !== null) {
      request.owner = owner;
      return;
    }
    if (wantsPage(request)) return reply.code(401).type("text/html; charset=utf-8").send(loginPage(false));
    throw new ApiError(401, "invalid or missing API key (Authorization: Bearer …)", "authentication_error", null, "invalid_api_key");
  });
}

/** POST /login: the UI's sign-in form; a valid key opens a session (cookie) and goes back to the UI. */
export function registerLoginRoute(app: FastifyInstance, o: GuardOptions): void {
  app.post("/login", async (request, reply: FastifyReply) => {
    if (!o.keys.enabled) return reply.code(303).header("location", "/").send();
    const key = typeof request.body === "object" && request.body !== null ? (request.body as Record<string, unknown>).key : undefined;
    const owner = typeof key === "string" ? o.keys.match(key) : null;
    if (owner === null) return reply.code(401).type("text/html; charset=utf-8").send(loginPage(true));
    return reply.code(303).header("set-cookie", o.sessions.cookie(o.sessions.open(owner))).header("location", "/").send();
  });
}

function wantsPage(request: FastifyRequest): boolean {
  return request.method === "GET" && (request.headers.accept ?? "").includes("text/html");
}

function checkHost(request: FastifyRequest, allowed: ReadonlySet<string> | null): void {
  if (allowed === null) return;
  const host = hostName(request.headers.host ?? "");
  if (!allowed.has(host))
    throw new ApiError(403, `the Host header '${host.slice(0, 100)}' is not one this server answers (see --allowed-hosts)`, "invalid_request_error", null, "host_not_allowed");
}

/** The name in a Host header, lower-cased, without its port: "[::1]:8080" → "[::1]", "Example.com:80" → "example.com". */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(":");
  return colon < 0 ? h : h.slice(0, colon);
}

const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The Host names to accept: `--allowed-hosts` when given ("*" for any); else, for a server bound to a loopback
 * address, the loopback names (a page on another site that rebinds its DNS name to 127.0.0.1 is refused); for a
 * wildcard bind (0.0.0.0, ::) any, since such a server is reached under names it cannot know; else the bind address.
 */
export function allowedHostsFor(bindHost: string, flag: string | undefined): ReadonlySet<string> | null {
  if (flag !== undefined) {
    const names = flag.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);
    return names.includes("*") ? null : new Set(names);
  }
  const bind = bindHost.trim().toLowerCase();
  if (bind === "0.0.0.0" || bind === "::" || bind === "[::]" || bind === "") return null;
  const bracketed = bind.includes(":") && !bind.startsWith("[") ? `[${bind}]` : bind;
  if (LOOPBACK.includes(bracketed) || bind.startsWith("127.")) return new Set([...LOOPBACK, bracketed]);
  return new Set([bracketed]);
}
