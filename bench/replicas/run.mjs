// bench-serve through HAProxy (deploy/haproxy/haproxy.cfg, filled in by render-config.mjs) in front of 1, 2 and 3
// `tsinfer serve` replicas on loopback, plus one replica with no proxy as the baseline; each configuration runs
// `rounds` times, interleaved, so all see the same machine load. Writes JSON lines to stdout.
// Usage: node bench/replicas/run.mjs [rounds=2] [numPrompts=48] [concurrency=16]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { readShippedConfig, renderHaproxyConfig } from "../../deploy/haproxy/render-config.mjs";

const [rounds = 2, numPrompts = 48, concurrency = 16] = process.argv.slice(2).map(Number);
const PARALLEL = 8;
const MAX_QUEUE = 64;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startReplica() {
  const child = spawn(process.execPath, ["bin/tsinfer.js", "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "1",
    "--parallel", String(PARALLEL), "--max-queue", String(MAX_QUEUE)], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 600; i++) {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
    if (m) return { child, url: m[1] };
    await sleep(100);
  }
  throw new Error(`replica did not start:\n${log}`);
}

async function startProxy(replicas) {
  const proxyPort = await freePort();
  const statsPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "tsinfer-bench-haproxy-"));
  const cfgPath = join(dir, "haproxy.cfg");
  writeFileSync(cfgPath, renderHaproxyConfig(readShippedConfig(), {
    proxyPort, statsPort, replicas: replicas.map((r) => new URL(r.url).host), checkIntervalMs: 500, maxconn: PARALLEL + MAX_QUEUE,
  }));
  const child = spawn("haproxy", ["-f", cfgPath, "-db"], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const csv = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`).then((r) => r.text(), () => "");
    const up = csv.split("\n").filter((l) => l.startsWith("replicas,replica") && l.split(",")[17] === "UP").length;
    if (up === replicas.length) return { child, dir, url: `http://127.0.0.1:${proxyPort}` };
    await sleep(100);
  }
  throw new Error("haproxy: replicas not UP");
}

async function successes(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith("tsinfer:request_success_total")).reduce((n, l) => n + Number(l.split(" ").pop()), 0);
}

function benchServe(url, n) {
  const out = execFileSync(process.execPath, ["bin/tsinfer.js", "bench-serve", "--base-url", url, "--num-prompts", String(n),
    "--concurrency", String(concurrency), "--max-tokens", "64", "--ignore-eos", "--json"], { stdio: ["ignore", "pipe", "ignore"] });
  return JSON.parse(out.toString());
}

async function run(nReplicas, viaProxy, round) {
  const replicas = await Promise.all(Array.from({ length: nReplicas }, startReplica));
  const proxy = viaProxy ? await startProxy(replicas) : null;
  const url = proxy?.url ?? replicas[0].url;
  try {
    benchServe(url, concurrency); // warm-up: JIT, kernels, first allocations
    const before = await Promise.all(replicas.map((r) => successes(r.url)));
    const s = benchServe(url, numPrompts);
    const after = await Promise.all(replicas.map((r) => successes(r.url)));
    return {
      round, replicas: nReplicas, proxy: viaProxy, completed: s.completed, failed: s.failed,
      outputTokensPerSec: s.outputThroughput, ttftMeanMs: s.ttftMs.mean, ttftP99Ms: s.ttftMs.p99, tpotMeanMs: s.tpotMs.mean,
      perReplica: after.map((n, i) => n - before[i]), loadAvg1m: loadavg()[0],
    };
  } finally {
    proxy?.child.kill("SIGTERM");
    if (proxy) rmSync(proxy.dir, { recursive: true, force: true });
    for (const r of replicas) r.child.kill("SIGTERM");
    await sleep(500);
  }
}

const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"]).toString().trim();
console.log(JSON.stringify({ commit, date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, numPrompts, concurrency, parallel: PARALLEL }));
for (let round = 1; round <= rounds; round++) {
  for (const [n, viaProxy] of [[1, false], [1, true], [2, true], [3, true]]) console.log(JSON.stringify(await run(n, viaProxy, round)));
}
