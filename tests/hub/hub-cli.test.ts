import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHubServer, type LocalHubServer } from "../helpers/local-hub-server.js";
import { startServe } from "../server/serve-process.js";
import { allRepos, f16OnlyRepo, ggufRepo, hfDirRepo, splitRepo, removeTempDirs, tempCacheDir } from "./hub-fixtures.js";

// The real CLI (bin/tsinfer.js over dist/) against the local Hub: HF_ENDPOINT points at it, HF_HOME at a temp folder.
// Spawned asynchronously, so this process's event loop keeps answering the CLI's requests.
const ref = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: Array<{ prompt: string; greedy_text: string }> };

let hub: LocalHubServer;
beforeAll(async () => {
  hub = await startLocalHubServer(allRepos);
});
afterAll(async () => {
  await hub.close();
  removeTempDirs();
});

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

function tsinfer(env: Record<string, string>, ...args: string[]): Promise<Result> {
  return tsinferWithInput(env, undefined, ...args);
}

function tsinferWithInput(env: Record<string, string>, input: string | undefined, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    for (const k of ["HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT"]) delete clean[k];
    const child = execFile("node", ["bin/tsinfer.js", ...args], { env: { ...clean, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      resolve({ status, stdout, stderr });
    });
    child.stdin?.end(input ?? "");
  });
}

describe("tsinfer pull / ls / rm / -m hf:", () => {
  const home = dirname(tempCacheDir());
  const env = (): Record<string, string> => ({ HF_HOME: home, HF_ENDPOINT: hub.url });
  const cache = join(home, "hub");

  it("run -m hf:org/repo:Q4_K_M pulls the model when missing (the fixture's bytes), then generates from it", async () => {
    const p = ref.prompts[0]!;
    const r = await tsinfer(env(), "run", "-m", `hf:${ggufRepo.name}:Q4_K_M`, "-p", p.prompt, "--temp", "0", "-n", "8", "--json");
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const text = (JSON.parse(r.stdout) as { text: string }).text;
    expect(text.length).toBeGreaterThan(0);
    const file = join(cache, "models--tsinfer-test--stories-7m-GGUF", "snapshots", ggufRepo.commit, "stories-7m-Q4_K_M.gguf");
    expect(createHash("sha256").update(readFileSync(file)).digest("hex")).toBe(ggufRepo.files.get("stories-7m-Q4_K_M.gguf")!.sha256);
  }, 180_000);

  it("pull of an HF directory prints its snapshot path; run -m hf: on it gives the reference's greedy text (transformers)", async () => {
    const pulled = await tsinfer(env(), "pull", hfDirRepo.name);
    expect(pulled.status).toBe(0);
    const path = pulled.stdout.trim();
    expect(path).toBe(join(cache, "models--tsinfer-test--stories-7m", "snapshots", hfDirRepo.commit));
    expect(pulled.stderr).toMatch(/tsinfer pull: tsinfer-test\/stories-7m @ [0-9a-f]{12}: 6 files \([\d.]+ MB\), downloaded [\d.]+ MB/);
    // Not a terminal: no progress bar (no carriage returns) on stderr.
    expect(pulled.stderr).not.toContain("\r");
    const p = ref.prompts[0]!;
    const r = await tsinfer(env(), "run", "-m", `hf:${hfDirRepo.name}`, "-p", p.prompt, "--temp", "0", "-n", "64", "--json");
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { text: string }).text).toBe(p.greedy_text);
  }, 180_000);

  it("run -m hf:org/repo:F16 on a split GGUF: pulls its three parts, loads them as one, the reference's greedy text", async () => {
    const p = ref.prompts[1]!;
    const r = await tsinfer(env(), "run", "-m", `hf:${splitRepo.name}:F16`, "-p", p.prompt, "--temp", "0", "-n", "64", "--json");
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { text: string }).text).toBe(p.greedy_text);
  }, 180_000);

  it("ls lists the cached models with size, architecture, parameters and type; --json carries the same", async () => {
    const r = await tsinfer(env(), "ls");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+FILE\s+SIZE\s+ARCH\s+PARAMS\s+TYPE$/);
    expect(lines.some((l) => /^tsinfer-test\/stories-7m-GGUF:Q4_K_M\s+stories-7m-Q4_K_M.gguf\s+4.8 MB\s+llama\s+7.3M\s+Q4_K_M$/.test(l))).toBe(true);
    expect(lines.some((l) => /^tsinfer-test\/stories-7m\s+\.\s+15.1 MB\s+llama\s+7.3M\s+F16$/.test(l))).toBe(true);
    const json = JSON.parse((await tsinfer(env(), "ls", "--json")).stdout) as Array<{ name: string; sizeBytes: number; paramCount: number }>;
    expect(json.map((m) => m.name).sort()).toEqual(["tsinfer-test/stories-7m", "tsinfer-test/stories-7m-GGUF:Q4_K_M", "tsinfer-test/stories-7m-split-GGUF:F16"]);
    // The split GGUF is one model: its three parts' sizes and parameters together.
    const split = json.find((m) => m.name.endsWith("split-GGUF:F16"))!;
    expect(split.sizeBytes).toBe([...splitRepo.files].filter(([n]) => n.includes("-of-")).reduce((a, [, f]) => a + f.bytes.length, 0));
    expect(split.paramCount).toBe(json.find((m) => m.name === "tsinfer-test/stories-7m")!.paramCount);
    expect(json.find((m) => m.name.endsWith(":Q4_K_M"))!.sizeBytes).toBe(4750976);
  }, 60_000);

  it("HF_HUB_OFFLINE=1: run from the cache works; an uncached model exits non-zero with a clear message", async () => {
    const offline = { ...env(), HF_ENDPOINT: "http://127.0.0.1:9", HF_HUB_OFFLINE: "1" };
    const ok = await tsinfer(offline, "run", "-m", `hf:${ggufRepo.name}`, "-p", "Once", "--temp", "0", "-n", "2", "--json");
    expect(ok.status).toBe(0);
    const bad = await tsinfer(offline, "run", "-m", "hf:tsinfer-test/stories-7m-F16-GGUF", "-p", "Once", "-n", "2");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^tsinfer: HubError: tsinfer-test\/stories-7m-F16-GGUF is not in the cache .*HF_HUB_OFFLINE is set/m);
  }, 120_000);

  it("serve -m hf:org/repo pulls it, names it org/repo in /v1/models and answers with the reference's greedy text", async () => {
    const serve = await startServe([], 120_000, env(), ["-m", `hf:${f16OnlyRepo.name}`]);
    try {
      const models = (await (await fetch(`${serve.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toEqual([f16OnlyRepo.name]);
      const p = ref.prompts[0]!;
      const res = await fetch(`${serve.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: f16OnlyRepo.name, prompt: p.prompt, max_tokens: 16, temperature: 0 }),
      });
      const text = ((await res.json()) as { choices: Array<{ text: string }> }).choices[0]!.text;
      expect(text.length).toBeGreaterThan(0);
      expect(p.greedy_text.startsWith(text)).toBe(true);
    } finally {
      await serve.stop();
    }
  }, 180_000);

  it("chat and bench take -m hf: too (from the cache here)", async () => {
    const chat = await tsinferWithInput(env(), "Once upon a time", "chat", "-m", `hf:${hfDirRepo.name}`, "--temp", "0", "-n", "8");
    expect(chat.status).toBe(0);
    expect(chat.stdout.trim().length).toBeGreaterThan(0);
    const bench = await tsinfer(env(), "bench", "-m", `hf:${ggufRepo.name}:Q4_K_M`, "-p", "8", "-n", "4", "--reps", "1", "--json");
    expect(bench.status).toBe(0);
    expect(bench.stdout).toContain("stories-7m-Q4_K_M.gguf");
  }, 120_000);

  it("rm org/repo:QUANT removes its link and blob and the folder once empty; rm of something unknown exits non-zero", async () => {
    const r = await tsinfer(env(), "rm", `${ggufRepo.name}:Q4_K_M`);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/removed tsinfer-test\/stories-7m-GGUF:Q4_K_M \(4.8 MB freed, repository folder removed\)/);
    expect(existsSync(join(cache, "models--tsinfer-test--stories-7m-GGUF"))).toBe(false);
    const again = await tsinfer(env(), "rm", `${ggufRepo.name}:Q4_K_M`);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/tsinfer-test\/stories-7m-GGUF:Q4_K_M is not in the cache/);
    for (const repo of [hfDirRepo.name, f16OnlyRepo.name, splitRepo.name]) expect((await tsinfer(env(), "rm", repo)).status).toBe(0);
    expect(readdirSync(cache)).toEqual([]);
    const badName = await tsinfer(env(), "rm", "no-slash");
    expect(badName.status).toBe(1);
    expect(badName.stderr).toMatch(/model "no-slash": no '\/' between organization and repository/);
  }, 60_000);
});
