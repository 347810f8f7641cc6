import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { ApiError } from "./api-error.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

/** The web UI built by Vite into dist/web (dist/server/… → dist/web), served at `/`. */
export function registerStaticRoutes(app: FastifyInstance): void {
  const root = fileURLToPath(new URL("../web/", import.meta.url));
  const serve = async (rel: string, reply: FastifyReply) => {
    const path = normalize(join(root, rel));
    if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) throw new ApiError(404, "not found", "not_found_error");
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch {
      throw new ApiError(404, `no web UI file ${rel.slice(0, 100)} (run npm run build)`, "not_found_error", null, "not_found");
    }
    return reply.type(TYPES[extname(path)] ?? "application/octet-stream").send(body);
  };
  app.get("/", (_req, reply) => serve("index.html", reply));
  app.get<{ Params: { "*": string } }>("/assets/*", (request, reply) => serve(join("assets", request.params["*"]), reply));
}
