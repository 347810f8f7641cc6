import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readShippedConfig, renderHaproxyConfig } from "../../deploy/haproxy/render-config.mjs";
import type { HaproxyLayout } from "../../deploy/haproxy/render-config.mjs";
import { freePort } from "../helpers/free-port.js";

export { freePort };

// Debian installs it in /usr/sbin, which a non-root PATH often lacks.
const HAPROXY = ["haproxy", "/usr/sbin/haproxy"].find((bin) => spawnSync(bin, ["-v"], { stdio: "ignore" }).status === 0) ?? null;

export function haproxyInstalled(): boolean {
  return HAPROXY !== null;
}

export interface ServerStat {
  status: string;
  /** Times HAProxy chose this server (new requests and redispatches). */
  lbtot: number;
  scur: number;
}

export interface HaproxyProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** The backend's servers, by name (replica1…), from the stats page's CSV. */
  servers(): Promise<Map<string, ServerStat>>;
  stop(): Promise<void>;
}

/** Starts `haproxy -db` (foreground) on the rendered shipped configuration and waits until every server is UP. */
export async function startHaproxy(layout: HaproxyLayout, upTimeoutMs = 15_000): Promise<HaproxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), "tsinfer-haproxy-"));
  const cfgPath = join(dir, "haproxy.cfg");
  // Plus request logs on stderr (the shipped file leaves logging to the operator), for failure messages.
  const cfg = renderHaproxyConfig(readShippedConfig(), layout)
    .replace(/^global\n/m, "global\n    log stderr format raw local0\n")
    .replace(/^defaults\n/m, "defaults\n    log global\n    option httplog\n");
  writeFileSync(cfgPath, cfg);
  const child = spawn(HAPROXY ?? "haproxy", ["-f", cfgPath, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const statsUrl = `http://127.0.0.1:${layout.statsPort}/stats;csv`;
  const servers = async () => {
    const [header, ...rows] = (await (await fetch(statsUrl)).text()).trim().split("\n");
    const cols = header!.replace(/^# /, "").split(",");
    const at = (name: string) => cols.indexOf(name);
    const out = new Map<string, ServerStat>();
    for (const row of rows) {
      const f = row.split(",");
      if (f[at("pxname")] !== "replicas" || f[at("svname")] === "BACKEND") continue;
      out.set(f[at("svname")]!, { status: f[at("status")]!, lbtot: Number(f[at("lbtot")]), scur: Number(f[at("scur")]) });
    }
    return out;
  };
  const deadline = Date.now() + upTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${log}`);
    const up = await servers().then((s) => s.size === layout.replicas.length && [...s.values()].every((v) => v.status === "UP"), () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`haproxy: not every server came UP:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${layout.proxyPort}`,
    child,
    output: () => log,
    servers,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }).finally(() => rmSync(dir, { recursive: true, force: true })),
  };
}
