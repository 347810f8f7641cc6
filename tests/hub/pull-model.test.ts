import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HubError, parseHubRef, pullModel, resolveCachedModel, resolveModelPath } from "../../src/hub/index.js";
import { hubRepo, startLocalHubServer, type LocalHubServer } from "../helpers/local-hub-server.js";
import { allRepos, f16OnlyRepo, ggufRepo, hfDirRepo, privateRepo, settingsFor, splitRepo, removeTempDirs, tempCacheDir } from "./hub-fixtures.js";

let hub: LocalHubServer;
beforeAll(async () => {
  hub = await startLocalHubServer(allRepos);
});
afterAll(async () => {
  await hub.close();
  removeTempDirs();
});
beforeEach(() => {
  hub.clearFaults();
  hub.requests.length = 0;
});

const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");
const repoDirOf = (cache: string, repo: string): string => join(cache, `models--${repo.replace("/", "--")}`);

describe("pull from a Hub (the real @huggingface/hub client against a local server)", () => {
  it("org/repo:Q4_K_M: that GGUF only, in huggingface_hub's layout (blob by SHA-256, relative link, refs/main)", async () => {
    const cache = tempCacheDir();
    const pulled = await pullModel(parseHubRef("tsinfer-test/stories-7m-GGUF:q4_k_m"), settingsFor(hub.url, cache));
    const repoDir = repoDirOf(cache, ggufRepo.name);
    const q4 = ggufRepo.files.get("stories-7m-Q4_K_M.gguf")!;
    expect(pulled.commit).toBe(ggufRepo.commit);
    expect(pulled.localPath).toBe(join(repoDir, "snapshots", ggufRepo.commit, "stories-7m-Q4_K_M.gguf"));
    expect(readlinkSync(pulled.localPath)).toBe(`../../blobs/${q4.sha256}`);
    expect(sha256(pulled.localPath)).toBe(sha256("models/stories-7m/llama-quantize/stories-7m-Q4_K_M.gguf"));
    expect(readFileSync(join(repoDir, "refs", "main"), "utf8")).toBe(ggufRepo.commit);
    expect(readdirSync(join(repoDir, "blobs"))).toEqual([q4.sha256]);
    expect(readdirSync(join(repoDir, "snapshots", ggufRepo.commit))).toEqual(["stories-7m-Q4_K_M.gguf"]);
    // The client asked model info (with sha), the tree, then the resolve URL (range probe, then the body via the CDN).
    const urls = hub.requests.map((r) => `${r.method} ${r.url.split("?")[0]}`);
    expect(urls).toContain(`GET /api/models/${ggufRepo.name}/revision/main`);
    expect(urls).toContain(`GET /api/models/${ggufRepo.name}/tree/${ggufRepo.commit}`);
    expect(urls).toContain(`GET /${ggufRepo.name}/resolve/${ggufRepo.commit}/stories-7m-Q4_K_M.gguf`);
    expect(urls).toContain(`GET /cdn/${ggufRepo.name}/${q4.sha256}`);
  });

  it("no tag: Q4_K_M when there is one (llama.cpp's default); a repository with only F16: that one", async () => {
    const cache = tempCacheDir();
    const a = await pullModel(parseHubRef(ggufRepo.name), settingsFor(hub.url, cache));
    expect(a.files.files.map((f) => f.path)).toEqual(["stories-7m-Q4_K_M.gguf"]);
    const b = await pullModel(parseHubRef(f16OnlyRepo.name), settingsFor(hub.url, cache));
    expect(b.files.files.map((f) => f.path)).toEqual(["stories-7m-F16.gguf"]);
  });

  it("an unknown tag: a clear error listing the GGUF files; an unknown repository: HTTP 404 named", async () => {
    const cache = tempCacheDir();
    await expect(pullModel(parseHubRef(`${ggufRepo.name}:Q2_K`), settingsFor(hub.url, cache))).rejects.toThrow(
      /no GGUF file for quant Q2_K .*GGUF files there: stories-7m-F16.gguf, stories-7m-Q4_K_M.gguf/,
    );
    await expect(pullModel(parseHubRef("tsinfer-test/nope"), settingsFor(hub.url, cache))).rejects.toThrow(/tsinfer-test\/nope: .* answered HTTP 404: no such repository/);
  });

  it("org/repo/file.gguf: the named file through paths-info", async () => {
    const cache = tempCacheDir();
    const pulled = await pullModel(parseHubRef(`${ggufRepo.name}/stories-7m-F16.gguf`), settingsFor(hub.url, cache));
    expect(sha256(pulled.localPath)).toBe(sha256("models/stories-7m/stories-7m-f16.gguf"));
    expect(hub.requests.some((r) => r.method === "POST" && r.url.startsWith(`/api/models/${ggufRepo.name}/paths-info/${ggufRepo.commit}`))).toBe(true);
  });

  it("a split GGUF by tag: every part, linked side by side; the load path is the first part", async () => {
    const cache = tempCacheDir();
    const pulled = await pullModel(parseHubRef(`${splitRepo.name}:F16`), settingsFor(hub.url, cache));
    const names = ["stories-7m-F16-00001-of-00003.gguf", "stories-7m-F16-00002-of-00003.gguf", "stories-7m-F16-00003-of-00003.gguf"];
    expect(pulled.files.files.map((f) => f.path)).toEqual(names);
    expect(pulled.localPath.endsWith(`/snapshots/${splitRepo.commit}/${names[0]}`)).toBe(true);
    for (const n of names) expect(sha256(join(dirname(pulled.localPath), n))).toBe(splitRepo.files.get(n)!.sha256);
  });

  it("a named file that is not there: the error lists the repository's GGUF files", async () => {
    await expect(pullModel(parseHubRef(`${ggufRepo.name}/stories-7m-Q8_0.gguf`), settingsFor(hub.url, tempCacheDir()))).rejects.toThrow(
      /no file stories-7m-Q8_0.gguf at .*; GGUF files there: stories-7m-F16.gguf, stories-7m-Q4_K_M.gguf/,
    );
    // The file name's case need not match (as llama.cpp's -hf-file).
    const pulled = await pullModel(parseHubRef(`${ggufRepo.name}/STORIES-7m-f16.GGUF`), settingsFor(hub.url, tempCacheDir()));
    expect(pulled.files.files.map((f) => f.path)).toEqual(["stories-7m-F16.gguf"]);
  });

  it("a Hugging Face directory: config, weights, tokenizer and generation files; not other pipelines' folders", async () => {
    const cache = tempCacheDir();
    const pulled = await pullModel(parseHubRef(hfDirRepo.name), settingsFor(hub.url, cache));
    expect(pulled.localPath).toBe(join(repoDirOf(cache, hfDirRepo.name), "snapshots", hfDirRepo.commit));
    expect(readdirSync(pulled.localPath).sort()).toEqual(["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer.model", "tokenizer_config.json"]);
    for (const name of readdirSync(pulled.localPath)) expect(sha256(join(pulled.localPath, name))).toBe(sha256(`models/stories-7m/hf/${name}`));
    // Small files are plain git files: their blobs are named by the git blob id, as huggingface_hub names them (ETag).
    expect(readlinkSync(join(pulled.localPath, "config.json"))).toBe(`../../blobs/${hfDirRepo.files.get("config.json")!.gitOid}`);
  });

  it("a second pull downloads nothing", async () => {
    const cache = tempCacheDir();
    await pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache));
    hub.requests.length = 0;
    const again = await pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache));
    expect(again.downloadedBytes).toBe(0);
    expect(hub.requests.some((r) => r.url.includes("/resolve/") || r.url.startsWith("/cdn/"))).toBe(false);
  });

  it("an interrupted download keeps blobs/<sha>.incomplete; the next pull resumes it with a Range request", async () => {
    const cache = tempCacheDir();
    const q4 = ggufRepo.files.get("stories-7m-Q4_K_M.gguf")!;
    const cutAt = 1_500_000;
    hub.cutDownload(ggufRepo.name, "stories-7m-Q4_K_M.gguf", cutAt, 10); // more cuts than one pull's attempts
    const err = await pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as Error).message).toMatch(/download interrupted after \d+ of 4750976 bytes .* pull again to resume/);
    const partial = join(repoDirOf(cache, ggufRepo.name), "blobs", `${q4.sha256}.incomplete`);
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(q4.bytes.length);

    hub.clearFaults();
    hub.requests.length = 0;
    const pulled = await pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache));
    expect(hub.requests.filter((r) => r.url.startsWith("/cdn/")).map((r) => r.range)).toContain(`bytes=${kept}-${q4.bytes.length - 1}`);
    expect(pulled.downloadedBytes).toBe(q4.bytes.length - kept);
    expect(sha256(pulled.localPath)).toBe(q4.sha256);
    expect(existsSync(partial)).toBe(false);
  });

  it("one cut inside a pull: the pull itself resumes with a Range request and completes", async () => {
    const cache = tempCacheDir();
    hub.cutDownload(ggufRepo.name, "stories-7m-Q4_K_M.gguf", 700_000, 1);
    const pulled = await pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache));
    expect(sha256(pulled.localPath)).toBe(ggufRepo.files.get("stories-7m-Q4_K_M.gguf")!.sha256);
    expect(hub.requests.some((r) => r.url.startsWith("/cdn/") && r.range !== undefined && /^bytes=[1-9]\d*-/.test(r.range))).toBe(true);
  });

  it("two pulls of one model at once: one download (a lock file), both get the model", async () => {
    const cache = tempCacheDir();
    const q4 = ggufRepo.files.get("stories-7m-Q4_K_M.gguf")!;
    const [a, b] = await Promise.all([0, 1].map(() => pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache))));
    expect(a!.localPath).toBe(b!.localPath);
    expect(sha256(a!.localPath)).toBe(q4.sha256);
    expect(a!.downloadedBytes + b!.downloadedBytes).toBe(q4.bytes.length);
    expect(hub.requests.filter((r) => r.url.startsWith(`/cdn/${ggufRepo.name}/${q4.sha256}`) && r.range !== "bytes=0-0")).toHaveLength(1);
    expect(existsSync(join(cache, ".locks"))).toBe(false);
  });

  it("a lock left by a process that is gone is taken over", async () => {
    const cache = tempCacheDir();
    const q4 = ggufRepo.files.get("stories-7m-Q4_K_M.gguf")!;
    const lockDir = join(cache, ".locks", `models--${ggufRepo.name.replace("/", "--")}`);
    mkdirSync(lockDir, { recursive: true });
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
    writeFileSync(join(lockDir, `${q4.sha256}.tsinfer.lock`), String(deadPid));
    const pulled = await pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache));
    expect(sha256(pulled.localPath)).toBe(q4.sha256);
    expect(existsSync(join(cache, ".locks"))).toBe(false);
  });

  it("a corrupted byte fails the SHA-256 check: a clear error, the partial removed, nothing linked", async () => {
    const cache = tempCacheDir();
    hub.corruptDownload(ggufRepo.name, "stories-7m-Q4_K_M.gguf", 123_456);
    const q4 = ggufRepo.files.get("stories-7m-Q4_K_M.gguf")!;
    await expect(pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache))).rejects.toThrow(
      new RegExp(`stories-7m-Q4_K_M.gguf: SHA-256 mismatch \\(the Hub says ${q4.sha256}, the download is [0-9a-f]{64}\\); the partial file was removed`),
    );
    const repoDir = repoDirOf(cache, ggufRepo.name);
    expect(readdirSync(join(repoDir, "blobs"))).toEqual([]);
    expect(existsSync(join(repoDir, "snapshots", ggufRepo.commit, "stories-7m-Q4_K_M.gguf"))).toBe(false);
  });

  it("a corrupted small (non-LFS) file fails its git blob SHA-1 check", async () => {
    const cache = tempCacheDir();
    hub.corruptDownload(hfDirRepo.name, "config.json", 10);
    await expect(pullModel(parseHubRef(hfDirRepo.name), settingsFor(hub.url, cache))).rejects.toThrow(/config.json: git blob SHA-1 mismatch/);
  });

  it("HF_TOKEN: a private repository answers 401 without it (clear error), and pulls with it (Bearer sent)", async () => {
    const cache = tempCacheDir();
    await expect(pullModel(parseHubRef(privateRepo.name), settingsFor(hub.url, cache))).rejects.toThrow(/HTTP 401: the repository is private or gated; set HF_TOKEN/);
    const pulled = await pullModel(parseHubRef(privateRepo.name), settingsFor(hub.url, cache, { token: "hf_test_token" }));
    expect(existsSync(pulled.localPath)).toBe(true);
    expect(hub.requests.filter((r) => r.url.startsWith("/api/")).every((r) => r.authorization === "Bearer hf_test_token" || r.authorization === undefined)).toBe(true);
    expect(hub.requests.some((r) => r.url.includes("/resolve/") && r.authorization === "Bearer hf_test_token")).toBe(true);
  });

  it("a listing with a path that climbs out of the cache, or a named non-GGUF file: refused before any download", async () => {
    const evil = hubRepo("tsinfer-test/evil-GGUF", { "../../../escape-Q4_K_M.gguf": Buffer.from("GGUF") });
    const other = await startLocalHubServer([evil]);
    try {
      const cache = tempCacheDir();
      await expect(pullModel(parseHubRef(evil.name), settingsFor(other.url, cache))).rejects.toThrow(/unsafe file path "..\/..\/..\/escape-Q4_K_M.gguf"/);
      expect(other.requests.some((r) => r.url.includes("/resolve/"))).toBe(false);
    } finally {
      await other.close();
    }
    await expect(pullModel(parseHubRef(`${hfDirRepo.name}/config.json`), settingsFor(hub.url, tempCacheDir()))).rejects.toThrow(/a named file must be a GGUF/);
  });

  it("an unreachable endpoint: a clear error that names it and the offline switch", async () => {
    await expect(pullModel(parseHubRef(ggufRepo.name), settingsFor("http://127.0.0.1:9", tempCacheDir()))).rejects.toThrow(
      /cannot reach http:\/\/127.0.0.1:9 .*HF_HUB_OFFLINE=1/,
    );
  });
});

describe("the cache without the network", () => {
  it("HF_HUB_OFFLINE: a cached model resolves with no request; an uncached one is a clear error naming it", async () => {
    const cache = tempCacheDir();
    const pulled = await pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache));
    hub.requests.length = 0;
    const offline = settingsFor("http://127.0.0.1:9", cache, { offline: true });
    expect(await resolveModelPath(`hf:${ggufRepo.name}:Q4_K_M`, offline)).toBe(pulled.localPath);
    expect(await resolveModelPath(`hf:${ggufRepo.name}`, offline)).toBe(pulled.localPath);
    await expect(resolveModelPath(`hf:${ggufRepo.name}:F16`, offline)).rejects.toThrow(/no GGUF file for quant F16 in the cache .*GGUF files there: stories-7m-Q4_K_M.gguf.*HF_HUB_OFFLINE is set/);
    await expect(resolveModelPath(`hf:${hfDirRepo.name}`, offline)).rejects.toThrow(/tsinfer-test\/stories-7m is not in the cache .*HF_HUB_OFFLINE is set/);
    await expect(pullModel(parseHubRef(ggufRepo.name), offline)).rejects.toThrow(/HF_HUB_OFFLINE/);
    expect(hub.requests).toEqual([]);
  });

  it("a cache laid out by huggingface_hub (written here by hand) is used as is, without the network", async () => {
    // huggingface_hub's file_download: blobs/<etag> (the SHA-256 for LFS files, the git blob id otherwise), a relative
    // link snapshots/<commit>/<path> -> ../../blobs/<etag>, refs/main holding the commit (no newline).
    const cache = tempCacheDir();
    const repoDir = repoDirOf(cache, hfDirRepo.name);
    const commit = "0123456789abcdef0123456789abcdef01234567";
    for (const [path, f] of hfDirRepo.files) {
      if (path.includes("/") || path === "README.md") continue;
      const etag = f.lfs ? f.sha256 : f.gitOid;
      mkdirSync(join(repoDir, "blobs"), { recursive: true });
      writeFileSync(join(repoDir, "blobs", etag), f.bytes);
      const link = join(repoDir, "snapshots", commit, path);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(`../../blobs/${etag}`, link);
    }
    mkdirSync(join(repoDir, "refs"));
    writeFileSync(join(repoDir, "refs", "main"), commit);
    const offline = settingsFor("http://127.0.0.1:9", cache, { offline: true });
    const path = await resolveModelPath(`hf:${hfDirRepo.name}`, offline);
    expect(path).toBe(join(repoDir, "snapshots", commit));
    expect(realpathSync(join(path, "model.safetensors"))).toBe(realpathSync(join(repoDir, "blobs", hfDirRepo.files.get("model.safetensors")!.sha256)));
    // Online too, a cached model is used without a request (pull only when missing, as ollama run).
    hub.requests.length = 0;
    expect(await resolveModelPath(`hf:${hfDirRepo.name}`, settingsFor(hub.url, cache))).toBe(path);
    expect(hub.requests).toEqual([]);
  });

  it("a cached sharded checkpoint missing a shard its index names: not used (offline: an error naming the shard)", async () => {
    const cache = tempCacheDir();
    const snap = join(repoDirOf(cache, "org/sharded"), "snapshots", "0123456789abcdef0123456789abcdef01234567");
    mkdirSync(snap, { recursive: true });
    mkdirSync(join(repoDirOf(cache, "org/sharded"), "refs"));
    writeFileSync(join(repoDirOf(cache, "org/sharded"), "refs", "main"), "0123456789abcdef0123456789abcdef01234567", { flag: "w" });
    writeFileSync(join(snap, "config.json"), "{}");
    writeFileSync(join(snap, "model-00001-of-00002.safetensors"), "");
    const weightMap = { "a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors" };
    writeFileSync(join(snap, "model.safetensors.index.json"), JSON.stringify({ weight_map: weightMap }));
    await expect(resolveModelPath("hf:org/sharded", settingsFor("http://127.0.0.1:9", cache, { offline: true }))).rejects.toThrow(
      /org\/sharded: model.safetensors.index.json names model-00002-of-00002.safetensors, missing in the cache/,
    );
  });

  it("a pull reuses a blob huggingface_hub already has (same SHA-256) and only links it", async () => {
    const cache = tempCacheDir();
    const q4 = ggufRepo.files.get("stories-7m-Q4_K_M.gguf")!;
    const repoDir = repoDirOf(cache, ggufRepo.name);
    mkdirSync(join(repoDir, "blobs"), { recursive: true });
    writeFileSync(join(repoDir, "blobs", q4.sha256), q4.bytes);
    const pulled = await pullModel(parseHubRef(`${ggufRepo.name}:Q4_K_M`), settingsFor(hub.url, cache));
    expect(pulled.downloadedBytes).toBe(0);
    expect(lstatSync(pulled.localPath).isSymbolicLink()).toBe(true);
    expect(hub.requests.some((r) => r.url.startsWith("/cdn/"))).toBe(false);
  });

  it("resolveCachedModel names what is missing: no repository folder", () => {
    expect(() => resolveCachedModel(parseHubRef("a/b"), tempCacheDir())).toThrow(/a\/b is not in the cache \(no .*models--a--b\)/);
  });
});
