import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe, stats } from "./serve-process.js";
import type { ServeProcess } from "./serve-process.js";

let server: ServeProcess;

const post = (url: string, path: string, body: object) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "stories-7m-f16", ...body }) });

interface SseEvent {
  error?: { message: string; type: string; code: string | null };
  choices?: { finish_reason: string | null }[];
}

/** The `data:` payloads of an SSE body, [DONE] as the string. */
function events(text: string): (SseEvent | "[DONE]")[] {
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => block.slice(6))
    .map((data) => (data === "[DONE]" ? "[DONE]" : (JSON.parse(data) as SseEvent)));
}

const FINISH_REASONS = [null, "stop", "length"];
const long = { max_tokens: 500, ignore_eos: true, temperature: 0 };

beforeAll(async () => {
  server = await startServe(["--parallel", "8", "--request-timeout", "1"]);
});
afterAll(async () => {
  await server?.stop();
});

describe("errors after the stream started, deadlines and shutdown end every request with an error (stories-7m, real server)", () => {
  it("stream: true, n: 2, seed: 2^53-1 is refused with a 400 before the stream starts; the largest seed that fits still streams", async () => {
    const t0 = performance.now();
    const res = await post(server.url, "/v1/completions", { prompt: "Hi", stream: true, n: 2, seed: Number.MAX_SAFE_INTEGER, max_tokens: 2 });
    const body = (await res.json()) as { error: { param: string; message: string } };
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(body.error.param).toBe("seed");
    expect(body.error.message).toContain(String(Number.MAX_SAFE_INTEGER - 1));
    const ok = await post(server.url, "/v1/completions", { prompt: "Hi", stream: true, n: 2, seed: Number.MAX_SAFE_INTEGER - 1, max_tokens: 2 });
    expect(ok.status).toBe(200);
    expect(events(await ok.text()).at(-1)).toBe("[DONE]");
  }, 30_000);

  it("a stream past --request-timeout gets an error event and ends within 1 s of the deadline, without [DONE], and its KV is freed", async () => {
    const t0 = performance.now();
    const res = await post(server.url, "/v1/chat/completions", { messages: [{ role: "user", content: "Tell me a story" }], stream: true, n: 8, ...long });
    expect(res.status).toBe(200);
    const text = await res.text(); // resolves only once the server has ended the response
    const elapsedMs = performance.now() - t0;
    const evs = events(text);
    console.log(`stream cut by the deadline: ${evs.length - 1} chunks, then the error event, ended after ${elapsedMs.toFixed(0)} ms`);
    expect(elapsedMs).toBeGreaterThan(1000);
    expect(elapsedMs).toBeLessThan(2000);
    expect(evs).not.toContain("[DONE]");
    const last = evs.at(-1) as SseEvent;
    expect(last.error?.code).toBe("request_timeout");
    expect(last.error?.type).toBe("server_error");
    for (const e of evs.slice(0, -1)) for (const c of (e as SseEvent).choices ?? []) expect(FINISH_REASONS).toContain(c.finish_reason);
    const s = await stats(server.url);
    expect(s).toMatchObject({ running: 0, waiting: 0 });
    expect(s.kv.usedBlocks).toBe(0);
    // A client reading until the socket closes (as the repro did) is not left waiting either.
    const u = new URL(server.url);
    const json = JSON.stringify({ model: "stories-7m-f16", prompt: "Once upon a time", stream: true, n: 8, ...long });
    const socket = connect(Number(u.port), u.hostname);
    let raw = "";
    socket.on("data", (d: Buffer) => (raw += d.toString()));
    const t1 = performance.now();
    socket.write(`POST /v1/completions HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
    await new Promise((resolve) => socket.once("close", resolve));
    const closedMs = performance.now() - t1;
    expect(closedMs).toBeLessThan(2000);
    expect(raw).toContain('"code":"request_timeout"');
    expect(raw).not.toContain("[DONE]");
  }, 30_000);

  it("a non-streaming request past --request-timeout gets a 504 error body, not a 200 with finish_reason null", async () => {
    const t0 = performance.now();
    const res = await post(server.url, "/v1/completions", { prompt: "Once upon a time", n: 8, ...long });
    const body = (await res.json()) as { error?: { code: string; message: string }; choices?: unknown };
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(res.status).toBe(504);
    expect(body.choices).toBeUndefined();
    expect(body.error?.code).toBe("request_timeout");
    expect(body.error?.message).toContain("1 s");
    expect(await stats(server.url)).toMatchObject({ running: 0, waiting: 0 });
    const short = await post(server.url, "/v1/completions", { prompt: "Once upon a time", max_tokens: 6, temperature: 0 });
    expect(short.status).toBe(200);
    expect(((await short.json()) as { choices: { text: string; finish_reason: string }[] }).choices[0]).toEqual(expect.objectContaining({ text: ", there was a little girl", finish_reason: "length" }));
  }, 30_000);

  it("SIGTERM with requests still running past --drain-timeout: every cut request is answered with an error (a plain 503 if its stream had not started), and the server exits 0", async () => {
    const draining = await startServe(["--parallel", "8", "--drain-timeout", "0.5"]);
    try {
      const streams = [0, 1].map((i) => post(draining.url, "/v1/chat/completions", { messages: [{ role: "user", content: `Story ${i}` }], stream: true, n: 2, ...long }));
      const plain = [0, 1].map((i) => post(draining.url, "/v1/completions", { prompt: `Once upon a time ${i}`, n: 2, ...long }));
      await expect.poll(async () => (await stats(draining.url)).running, { timeout: 10_000, interval: 20 }).toBe(8);
      // Every slot is taken: this stream waits, and is cut before it has sent anything.
      const queued = post(draining.url, "/v1/chat/completions", { messages: [{ role: "user", content: "Story 3" }], stream: true, ...long });
      await expect.poll(async () => (await stats(draining.url)).waiting, { timeout: 10_000, interval: 20 }).toBe(1);
      const t0 = performance.now();
      const exited = draining.stop(); // SIGTERM
      const streamed = await Promise.all(streams.map(async (r) => events(await (await r).text())));
      const answered = await Promise.all(plain.map(async (r) => ({ status: (await r).status, body: (await (await r).json()) as { error?: { code: string }; choices?: unknown } })));
      console.log(`SIGTERM with 8 sequences running, --drain-timeout 0.5: answered after ${(performance.now() - t0).toFixed(0)} ms`);
      for (const evs of streamed) {
        expect(evs.length).toBeGreaterThan(1);
        expect(evs).not.toContain("[DONE]");
        expect((evs.at(-1) as SseEvent).error?.code).toBe("shutting_down");
      }
      for (const a of answered) {
        expect(a.status).toBe(503);
        expect(a.body.choices).toBeUndefined();
        expect(a.body.error?.code).toBe("shutting_down");
      }
      const never = await queued;
      expect(never.status).toBe(503);
      expect(never.headers.get("content-type")).toContain("application/json");
      expect(((await never.json()) as { error: { code: string } }).error.code).toBe("shutting_down");
      expect(await exited).toBe(0);
    } finally {
      if (draining.child.exitCode === null) draining.child.kill("SIGKILL");
    }
  }, 60_000);
});
