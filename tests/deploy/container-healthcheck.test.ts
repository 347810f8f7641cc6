import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe } from "../server/serve-process.js";
import type { ServeProcess } from "../server/serve-process.js";

// The container image's HEALTHCHECK script (deploy/container/healthcheck.js), run as the image runs it, against a
// real `tsinfer serve` on loopback: healthy only while /health says 200, unhealthy while draining and once gone.
function healthcheck(url: string): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["deploy/container/healthcheck.js"], { env: { ...process.env, TSINFER_HEALTH_URL: `${url}/health` } }, (error) =>
      resolve(error === null ? 0 : typeof error.code === "number" ? error.code : -1),
    );
  });
}

describe("deploy/container/healthcheck.js", () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(["--parallel", "1", "--drain-timeout", "60"]);
  });
  afterAll(async () => {
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
  });

  it("passes while ready, fails while draining and after exit", async () => {
    expect(await healthcheck(server.url)).toBe(0);

    // A long stream keeps the server draining (not ready) after SIGTERM until it has finished.
    const res = await fetch(`${server.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "The little dog", max_tokens: 480, ignore_eos: true, stream: true }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    server.child.kill("SIGTERM");
    while ((await fetch(`${server.url}/health`)).status !== 503) await new Promise((r) => setTimeout(r, 20));
    expect(await healthcheck(server.url)).toBe(1);

    const decoder = new TextDecoder();
    let text = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    expect(text).toContain("data: [DONE]");
    expect(await server.stop()).toBe(0);
    expect(await healthcheck(server.url)).toBe(1);
  }, 90_000);
});
