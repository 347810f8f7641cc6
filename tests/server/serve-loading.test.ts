import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { STORIES_GGUF } from "./serve-process.js";

// While `tsinfer serve` loads its model the port already answers, as a router's probes expect: /health 503
// "loading", /live 200, work 503 with Retry-After; then the real server takes the port and /health turns 200.
describe("a replica that is still loading its model (real tsinfer serve)", () => {
  it("answers 503 while loading, never takes work before the model is in, then serves", async () => {
    // The F16 GGUF converted to F32-in-wasm by 2 threads, plus the tokenizer: a load of a few hundred ms here.
    const child = spawn(process.execPath, ["bin/tsinfer.js", "serve", "-m", STORIES_GGUF, "--host", "127.0.0.1", "--port", "0", "--threads", "2", "--cors-origin", "https://app.example"], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      let port = "";
      while (!port) {
        const m = /answering 503 on 127\.0\.0\.1:(\d+)/.exec(log);
        if (m) port = m[1]!;
        else if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no loading line:\n${log}`);
        else await new Promise((r) => setTimeout(r, 2));
      }
      const url = `http://127.0.0.1:${port}`;
      const seen: string[] = [];
      let refusedFirstMs = 0;
      let refusedLastMs = 0;
      let workBeforeReady: number[] = [];
      for (;;) {
        if (Date.now() > deadline) throw new Error(`never ready: ${seen.join(" ")}\n${log}`);
        let res: Response;
        try {
          res = await fetch(`${url}/health`);
        } catch {
          seen.push("refused"); // the instant between the loading responder and the real server
          refusedLastMs = performance.now();
          if (refusedFirstMs === 0) refusedFirstMs = refusedLastMs;
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        const body = (await res.json()) as { status: string };
        seen.push(`${res.status}:${body.status}`);
        if (res.status === 200) break;
        expect([res.status, body.status]).toEqual([503, "loading"]);
        if (workBeforeReady.length === 0) {
          const live = await fetch(`${url}/live`);
          const work = await fetch(`${url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json", origin: "https://app.example" }, body: JSON.stringify({ prompt: "Once", max_tokens: 2 }) });
          const err = (await work.json()) as { error: { code: string } };
          // --cors-origin holds while loading too: a page on that origin can read that it must wait.
          expect(work.headers.get("access-control-allow-origin")).toBe("https://app.example");
          workBeforeReady = [live.status, work.status];
          expect(err.error.code).toBe("model_loading");
          expect(work.headers.get("retry-after")).toBe("5");
        }
      }
      expect(seen[0]).toBe("503:loading");
      expect(workBeforeReady).toEqual([200, 503]);
      // Refused connections only in the hand-over, which is short (the real server is built before the port is freed).
      console.log(`loading: ${seen.filter((x) => x === "503:loading").length} × 503 loading, hand-over refused for ${(refusedLastMs - refusedFirstMs).toFixed(1)} ms (${seen.filter((x) => x === "refused").length} tries)`);
      expect(refusedLastMs - refusedFirstMs).toBeLessThan(250);
      expect(log).toContain("listening on");
      const done = await fetch(`${url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "Once", max_tokens: 2 }) });
      expect(done.status).toBe(200);
    } finally {
      child.kill("SIGKILL");
    }
  }, 90_000);
});
