import { createServer } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import { corsHeaders, isPreflight, preflightHeaders } from "./cors-policy.js";
import type { CorsPolicy } from "./cors-policy.js";

// Runs on its own thread while the main thread loads the model synchronously: the port is open and answers what a
// router or a probe asks (not ready yet) instead of refusing connections or hanging in the backlog.
const { host, port, cors } = workerData as { host: string; port: number; cors: CorsPolicy | null };

const json = (status: number, body: object, extra: Record<string, string> = {}) => ({ status, body: JSON.stringify(body), headers: { "content-type": "application/json", "x-content-type-options": "nosniff", ...extra } });

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  const r =
    path === "/live"
      ? json(200, { status: "ok" })
      : path === "/health"
        ? json(503, { status: "loading" })
        : json(503, { error: { message: "the model is still loading; retry shortly", type: "overloaded_error", param: null, code: "model_loading" } }, { "retry-after": "5" });
  req.resume();
  if (cors !== null && isPreflight(req.method ?? "", req.headers)) {
    res.writeHead(204, { ...Object.fromEntries(preflightHeaders(cors, req.headers)), connection: "close" });
    res.end();
    return;
  }
  const corsPart = cors === null ? {} : Object.fromEntries(corsHeaders(cors, req.headers));
  res.writeHead(r.status, { ...r.headers, ...corsPart, connection: "close" });
  res.end(r.body);
});

server.on("error", (err) => parentPort?.postMessage({ type: "error", message: err.message }));
server.listen(port, host, () => {
  const address = server.address();
  parentPort?.postMessage({ type: "listening", port: typeof address === "object" && address !== null ? address.port : port });
});

parentPort?.on("message", (m: { type: string }) => {
  if (m.type !== "close") return;
  server.close(() => parentPort?.postMessage({ type: "closed" }));
  server.closeAllConnections();
});
