// The image's HEALTHCHECK: exit 0 when GET /health answers 200, else 1. Node's fetch, because the image has no curl.
// The port is the one the Containerfile's ENTRYPOINT binds; TSINFER_HEALTH_URL overrides it for a changed --port.
const url = process.env.TSINFER_HEALTH_URL ?? "http://127.0.0.1:8080/health";
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2500) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
