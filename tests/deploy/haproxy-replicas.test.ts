import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrape, startServe } from "../server/serve-process.js";
import type { ServeProcess } from "../server/serve-process.js";
import { freePort, haproxyInstalled, startHaproxy } from "./haproxy-process.js";
import type { HaproxyProcess } from "./haproxy-process.js";

// Three real `tsinfer serve` replicas behind HAProxy running deploy/haproxy/haproxy.cfg (addresses, check interval
// and maxconn filled in), all on loopback. CI installs haproxy (.ci/run); without it there is nothing to test.
const PARALLEL = 2;
const MAX_QUEUE = 2;
const CHECK_INTERVAL_MS = 500;
// 160 bytes shared: past the 128 bytes HAProxy hashes, and about 40 tokens, two full KV blocks to reuse.
const SHARED =
  "Once upon a time, in a small town by the sea, there lived a little girl named Lily who loved to watch the boats. Every morning she ran down to the harbour with her dog";

interface Completion {
  status: number;
  cachedTokens: number;
  finishReason: string | null;
}

async function complete(proxy: string, prompt: string, maxTokens: number): Promise<Completion> {
  const res = await fetch(`${proxy}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt, max_tokens: maxTokens, temperature: 0 }),
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, cachedTokens: 0, finishReason: null };
  const body = JSON.parse(text) as { usage: { prompt_tokens_details?: { cached_tokens?: number } }; choices: { finish_reason: string }[] };
  return { status: 200, cachedTokens: body.usage.prompt_tokens_details?.cached_tokens ?? 0, finishReason: body.choices[0]!.finish_reason };
}

/** A streamed completion: resolves after its first event (`started`) and ends with whether [DONE] arrived. */
function stream(proxy: string, prompt: string, maxTokens: number): { started: Promise<void>; ended: Promise<{ status: number; done: boolean; error: string | null }> } {
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((r) => (markStarted = r));
  const ended = (async () => {
    try {
      const res = await fetch(`${proxy}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt, max_tokens: maxTokens, ignore_eos: true, stream: true }),
      });
      if (res.status !== 200 || res.body === null) return { status: res.status, done: false, error: null };
      let text = "";
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
        if (text.includes("data: ")) markStarted();
      }
      return { status: 200, done: text.includes("data: [DONE]"), error: text.includes('"error"') ? text.slice(text.indexOf('"error"'), 300) : null };
    } catch (err) {
      return { status: 200, done: false, error: String(err) };
    } finally {
      markStarted();
    }
  })();
  return { started, ended };
}

async function successes(replica: ServeProcess): Promise<number> {
  let n = 0;
  for (const [name, value] of await scrape(replica.url)) if (name.startsWith("tsinfer:request_success_total")) n += value;
  return n;
}

async function running(replica: ServeProcess): Promise<number> {
  return (await scrape(replica.url)).get("tsinfer:num_requests_running") ?? 0;
}

describe.skipIf(!haproxyInstalled())("HAProxy (deploy/haproxy) in front of three replicas", () => {
  let replicas: ServeProcess[] = [];
  let proxy: HaproxyProcess;
  const alive = () => replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
  const counts = () => Promise.all(alive().map(successes));
  // The client may read a response before HAProxy has closed its side of that request; until then the bounded
  // load counts it, and an idle replica elsewhere may win the next request. Sequential means after that moment.
  const proxyIdle = async () => {
    for (let i = 0; i < 50; i++) {
      if ([...(await proxy.servers()).values()].every((s) => s.scur === 0)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  // On idle replicas consistent hashing alone picks the replica: which one serves this prompt?
  const landsOn = async (prompt: string) => {
    await proxyIdle();
    const before = await counts();
    expect((await complete(proxy.url, prompt, 1)).status).toBe(200);
    const after = await counts();
    return alive()[after.findIndex((n, i) => n > before[i]!)]!;
  };
  // A prompt that lands on each of these replicas (found by trying a bounded number of prompt starts).
  const promptsFor = async (targets: ServeProcess[]) => {
    const found = new Map<ServeProcess, string>();
    for (let i = 0; i < 48 && found.size < targets.length; i++) {
      const p = `Story ${i}: the little dog`;
      const r = await landsOn(p);
      if (targets.includes(r) && !found.has(r)) found.set(r, p);
    }
    expect(found.size).toBe(targets.length);
    return targets.map((t) => found.get(t)!);
  };

  beforeAll(async () => {
    const flags = ["--parallel", String(PARALLEL), "--max-queue", String(MAX_QUEUE), "--threads", "1", "--drain-timeout", "20"];
    replicas = await Promise.all([0, 1, 2].map(() => startServe(flags)));
    proxy = await startHaproxy({
      proxyPort: await freePort(),
      statsPort: await freePort(),
      replicas: replicas.map((r) => new URL(r.url).host),
      checkIntervalMs: CHECK_INTERVAL_MS,
      maxconn: PARALLEL + MAX_QUEUE,
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all(alive().map((r) => r.stop()));
  });

  it("requests sharing a prompt start land on one replica and hit its prefix cache", async () => {
    const before = await counts();
    const results: Completion[] = [];
    for (const ending of [" to the sea.", " every day.", " and her cat.", " in the rain."]) {
      await proxyIdle();
      results.push(await complete(proxy.url, SHARED + ending, 4));
    }
    const after = await counts();
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const served = after.map((n, i) => n - before[i]!);
    expect(served.filter((n) => n > 0)).toEqual([4]);
    for (const r of results.slice(1)) expect(r.cachedTokens).toBeGreaterThan(0);
  });

  it("under more load than one replica takes, requests spill to the others and none is refused", async () => {
    const concurrent = 3 * (PARALLEL + MAX_QUEUE);
    const before = await counts();
    const results = await Promise.all(Array.from({ length: concurrent }, (_, i) => complete(proxy.url, `${SHARED} number ${i}.`, 48)));
    const after = await counts();
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    const served = after.map((n, i) => n - before[i]!);
    expect(served.reduce((a, b) => a + b)).toBe(concurrent);
    expect(served.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...served)).toBeLessThan(concurrent);
  });

  it("SIGTERM to a replica mid-stream: the stream completes, new requests go to the others, none fails", async () => {
    const prompt = `${SHARED} and a story about the drained replica.`;
    const drained = await landsOn(prompt);
    const others = alive().filter((r) => r !== drained);
    const otherPrompts = await promptsFor(others);
    const s = stream(proxy.url, prompt, 400);
    await s.started;
    // One stream on each other replica too, so the bounded load still lets the draining one be chosen (it then
    // answers 503 and HAProxy retries elsewhere) until its check takes it out.
    const otherStreams = otherPrompts.map((p) => stream(proxy.url, p, 300));
    await Promise.all(otherStreams.map((o) => o.started));
    expect(await Promise.all(alive().map(running))).toEqual([1, 1, 1]);
    const before = await Promise.all(others.map(successes));
    const exited = new Promise<number | null>((resolve) => drained.child.once("exit", (code) => resolve(code)));
    drained.child.kill("SIGTERM");
    // Sent at once, before the next check: without `retry-on 503` half of these come back 503 (tried).
    const sent = 6;
    const results = await Promise.all(Array.from({ length: sent }, (_, i) => complete(proxy.url, `${prompt} ${i}`, 4)));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    for (const o of otherStreams) expect(await o.ended).toEqual({ status: 200, done: true, error: null });
    const after = await Promise.all(others.map(successes));
    expect(after.reduce((a, b) => a + b) - before.reduce((a, b) => a + b)).toBe(sent + otherStreams.length);
    const end = await s.ended;
    expect(end).toEqual({ status: 200, done: true, error: null });
    expect(await exited).toBe(0);
  });

  it("kill -9 of a replica: only its in-flight requests fail; within one check interval it gets no request", async () => {
    expect(alive().length).toBe(2);
    const prompt = `${SHARED} and a story about the killed replica.`;
    const killed = await landsOn(prompt);
    const bystanderPrompt = (await promptsFor([alive().find((r) => r !== killed)!]))[0]!;
    const survivor = alive().find((r) => r !== killed)!;
    const name = `replica${replicas.indexOf(killed) + 1}`;
    const s = stream(proxy.url, prompt, 400);
    await s.started;
    // A stream on the surviving replica, in flight across the kill, must not notice it.
    const bystander = stream(proxy.url, bystanderPrompt, 300);
    await bystander.started;
    expect([await running(killed), await running(survivor)]).toEqual([1, 1]);
    const killedAt = Date.now();
    const killedExit = new Promise((resolve) => killed.child.once("exit", resolve));
    killed.child.kill("SIGKILL");
    // The check must see it down within one interval; measured while requests keep coming.
    const markedDown = (async () => {
      while (Date.now() - killedAt < 4 * CHECK_INTERVAL_MS) {
        if ((await proxy.servers()).get(name)?.status.startsWith("DOWN")) return Date.now() - killedAt;
        await new Promise((r) => setTimeout(r, 20));
      }
      return Infinity;
    })();
    // Once it is gone (a request that reached its socket before then was in flight there), a connection to it is
    // refused and HAProxy sends the request to another replica, before the check has noticed.
    await killedExit;
    const meanwhile = await complete(proxy.url, `${prompt} again`, 4);
    // One interval between checks, plus scheduling slack on a shared 2-core machine.
    expect(await markedDown).toBeLessThanOrEqual(CHECK_INTERVAL_MS + 250);
    const chosenBefore = (await proxy.servers()).get(name)!.lbtot;
    const later: Completion[] = [];
    for (let i = 0; i < 4; i++) later.push(await complete(proxy.url, `${prompt} ${i}`, 4));
    expect((await proxy.servers()).get(name)!.lbtot).toBe(chosenBefore);
    expect(later.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(meanwhile.status, proxy.output().split("\n").slice(-12).join("\n")).toBe(200);
    expect(await bystander.ended).toEqual({ status: 200, done: true, error: null });
    const end = await s.ended;
    expect(end.done).toBe(false);
  });
});
