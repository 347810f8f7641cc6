import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

export const STORIES_GGUF = "models/stories-7m/stories-7m-f16.gguf";

/** Starts a real `tsinfer serve` (the built CLI) on 127.0.0.1 with a free port and waits for /health. */
export async function startServe(args: string[], timeoutMs = 60_000, env: Record<string, string> = {}, model: string[] = ["-m", STORIES_GGUF]): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["bin/tsinfer.js", "serve", ...model, "--host", "127.0.0.1", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + timeoutMs;
  let url = "";
  while (!url) {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
    if (m) url = m[1];
    else if (child.exitCode !== null) throw new Error(`tsinfer serve exited (${child.exitCode}):\n${log}`);
    else if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`tsinfer serve did not start:\n${log}`);
    } else await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill("SIGTERM");
      }),
  };
}

/** The Prometheus text as name{labels} → value. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

export interface StatsBody {
  running: number;
  waiting: number;
  kv: { usedBlocks: number; freeBlocks: number; cachedBlocks: number; totalBlocks: number };
  sequences: { id: string; status: string; blocks: number }[];
}

export async function stats(url: string): Promise<StatsBody> {
  return (await (await fetch(`${url}/v1/stats`)).json()) as StatsBody;
}
