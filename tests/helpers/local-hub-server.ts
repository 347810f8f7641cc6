import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server that speaks the Hugging Face Hub protocol as @huggingface/hub 2.17.5 uses it (read in its
 * src/lib: model-info.ts, list-files.ts, paths-info.ts, file-download-info.ts, utils/WebBlob.ts) and as
 * huggingface_hub documents it: model info, tree listing, paths-info, `resolve/<rev>/<path>` with X-Repo-Commit,
 * X-Linked-Etag, X-Linked-Size, ETag, Accept-Ranges; LFS files answered by a 302 to a CDN-like path; Range (206).
 * Faults on demand: cut a download after some bytes, flip a byte, refuse without a token.
 */

export interface HubFileFixture {
  readonly bytes: Buffer;
  /** Stored in LFS (a 302 to the CDN, tree entries with lfs.oid = SHA-256); else a plain git file. */
  readonly lfs: boolean;
  readonly sha256: string;
  /** Git blob id of what git stores: the content, or the LFS pointer file for an LFS file. */
  readonly gitOid: string;
}

export interface HubRepoFixture {
  readonly name: string;
  readonly commit: string;
  readonly files: Map<string, HubFileFixture>;
  /** A token the repository requires (a private or gated one). */
  readonly token?: string;
}

export interface HubRequestLog {
  readonly method: string;
  readonly url: string;
  readonly range?: string;
  readonly authorization?: string;
}

export interface LocalHubServer {
  readonly url: string;
  readonly requests: HubRequestLog[];
  /** The next `times` downloads of this path send `afterBytes` bytes of their body, then close the connection. */
  cutDownload(repo: string, path: string, afterBytes: number, times: number): void;
  /** Downloads of this path have one byte flipped (at `offset` of the file) until cleared. */
  corruptDownload(repo: string, path: string, offset: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export const lfsThresholdBytes = 10 * 1024;

function gitBlobOid(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export function hubFile(bytes: Buffer, lfs = bytes.length >= lfsThresholdBytes): HubFileFixture {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.length}\n`);
  return { bytes, lfs, sha256, gitOid: gitBlobOid(lfs ? pointer : bytes) };
}

/** A repository from files on disk (path in repo -> local file) or bytes; the commit hash derives from the content. */
export function hubRepo(name: string, files: Record<string, string | Buffer>, token?: string): HubRepoFixture {
  const map = new Map<string, HubFileFixture>();
  const commitHash = createHash("sha1").update(name);
  for (const [path, source] of Object.entries(files)) {
    const f = hubFile(typeof source === "string" ? readFileSync(source) : source);
    map.set(path, f);
    commitHash.update(`${path}:${f.gitOid}`);
  }
  return { name, commit: commitHash.digest("hex"), files: map, ...(token !== undefined ? { token } : {}) };
}

interface Fault {
  cutAfter?: number;
  cutTimes?: number;
  flipAt?: number;
}

export async function startLocalHubServer(repos: readonly HubRepoFixture[]): Promise<LocalHubServer> {
  const byName = new Map(repos.map((r) => [r.name, r]));
  const requests: HubRequestLog[] = [];
  const faults = new Map<string, Fault>();
  const server: Server = createServer((req, res) => {
    const range = req.headers.range;
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? "", url: req.url ?? "", ...(range !== undefined ? { range } : {}), ...(authorization !== undefined ? { authorization } : {}) });
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", () => {
      try {
        route(req, res, Buffer.concat(body));
      } catch (err) {
        json(res, 500, { error: err instanceof Error ? err.message : String(err) });
      }
    });
  });

  function route(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? "/", "http://hub.local");
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    if (parts[0] === "api" && parts[1] === "models") return api(req, res, parts.slice(2), body);
    if (parts[0] === "cdn") return cdn(req, res, parts.slice(1));
    if (parts[2] === "resolve") return resolve(req, res, parts);
    json(res, 404, { error: "Not found" });
  }

  /** The repository of org/name with access checked, or undefined after answering 404/401 as the Hub does. */
  function repoFor(req: IncomingMessage, res: ServerResponse, org: string | undefined, name: string | undefined): HubRepoFixture | undefined {
    const repo = byName.get(`${org}/${name}`);
    if (!repo) {
      res.setHeader("X-Error-Code", "RepoNotFound");
      json(res, 404, { error: "Repository not found" });
      return undefined;
    }
    if (repo.token !== undefined && req.headers.authorization !== `Bearer ${repo.token}`) {
      res.setHeader("X-Error-Code", "GatedRepo");
      json(res, 401, { error: "Access to this repository is restricted: you must be authenticated" });
      return undefined;
    }
    return repo;
  }

  function revisionOk(res: ServerResponse, repo: HubRepoFixture, rev: string | undefined): boolean {
    if (rev === "main" || rev === "HEAD" || rev === repo.commit) return true;
    res.setHeader("X-Error-Code", "RevisionNotFound");
    json(res, 404, { error: `Invalid rev id: ${rev}` });
    return false;
  }

  function entry(path: string, f: HubFileFixture, repo: HubRepoFixture, expand: boolean): Record<string, unknown> {
    return {
      type: "file",
      oid: f.gitOid,
      size: f.bytes.length,
      path,
      ...(f.lfs ? { lfs: { oid: f.sha256, size: f.bytes.length, pointerSize: 130 } } : {}),
      ...(expand ? { lastCommit: { id: repo.commit, title: "fixture", date: "2026-01-01T00:00:00.000Z" }, securityFileStatus: { status: "safe" } } : {}),
    };
  }

  function api(req: IncomingMessage, res: ServerResponse, p: string[], body: Buffer): void {
    // /api/models/{org}/{name}/{revision|tree|paths-info}/{rev}[/path]
    const repo = repoFor(req, res, p[0], p[1]);
    if (!repo) return;
    const [, , kind, rev, ...rest] = p;
    if (!revisionOk(res, repo, rev)) return;
    if (kind === "revision" && req.method === "GET") {
      return json(res, 200, {
        _id: createHash("sha1").update(repo.name).digest("hex").slice(0, 24),
        id: repo.name,
        sha: repo.commit,
        private: repo.token !== undefined,
        gated: false,
        downloads: 0,
        likes: 0,
        lastModified: "2026-01-01T00:00:00.000Z",
        siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
      });
    }
    if (kind === "tree" && req.method === "GET") {
      const under = rest.join("/");
      const expand = new URL(req.url ?? "/", "http://hub.local").searchParams.get("expand") === "true";
      const items = [...repo.files].filter(([path]) => under === "" || path.startsWith(`${under}/`)).map(([path, f]) => entry(path, f, repo, expand));
      return json(res, 200, items);
    }
    if (kind === "paths-info" && req.method === "POST") {
      const asked = JSON.parse(body.toString("utf8")) as { paths?: unknown; expand?: unknown };
      if (!Array.isArray(asked.paths)) return json(res, 400, { error: "paths must be an array" });
      const out = asked.paths.flatMap((path) => {
        const f = typeof path === "string" ? repo.files.get(path) : undefined;
        return f && typeof path === "string" ? [entry(path, f, repo, asked.expand === true)] : [];
      });
      return json(res, 200, out);
    }
    json(res, 404, { error: "Not found" });
  }

  function resolve(req: IncomingMessage, res: ServerResponse, p: string[]): void {
    // /{org}/{name}/resolve/{rev}/{path...}
    const repo = repoFor(req, res, p[0], p[1]);
    if (!repo) return;
    if (!revisionOk(res, repo, p[3])) return;
    const path = p.slice(4).join("/");
    const f = repo.files.get(path);
    if (!f) {
      res.setHeader("X-Error-Code", "EntryNotFound");
      return json(res, 404, { error: "Entry not found" });
    }
    res.setHeader("X-Repo-Commit", repo.commit);
    res.setHeader("Accept-Ranges", "bytes");
    if (f.lfs) {
      res.setHeader("X-Linked-Etag", `"${f.sha256}"`);
      res.setHeader("X-Linked-Size", String(f.bytes.length));
      res.setHeader("ETag", `"${f.sha256}"`);
      res.setHeader("Location", `/cdn/${repo.name}/${f.sha256}?expires=never`);
      res.setHeader("Content-Length", "0");
      res.writeHead(302);
      res.end();
      return;
    }
    res.setHeader("ETag", `"${f.gitOid}"`);
    serveBytes(req, res, repo.name, path, f);
  }

  function cdn(req: IncomingMessage, res: ServerResponse, p: string[]): void {
    // /cdn/{org}/{name}/{sha256}: signed-URL-like, no token needed (the Hub's CDN checks its signature instead).
    const repo = byName.get(`${p[0]}/${p[1]}`);
    const hit = repo ? [...repo.files].find(([, f]) => f.sha256 === p[2]) : undefined;
    if (!repo || !hit) return json(res, 404, { error: "Not found" });
    res.setHeader("ETag", `"${hit[1].sha256}"`);
    res.setHeader("Accept-Ranges", "bytes");
    serveBytes(req, res, repo.name, hit[0], hit[1]);
  }

  function serveBytes(req: IncomingMessage, res: ServerResponse, repo: string, path: string, f: HubFileFixture): void {
    const size = f.bytes.length;
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (req.headers.range !== undefined) {
      if (!range || Number(range[1]) >= size) {
        res.setHeader("Content-Range", `bytes */${size}`);
        return json(res, 416, { error: "Range Not Satisfiable" });
      }
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    }
    res.setHeader("Content-Type", "application/octet-stream");
    res.setHeader("Content-Length", String(end - start + 1));
    if (range) res.setHeader("Content-Range", `bytes ${start}-${end}/${size}`);
    res.writeHead(range ? 206 : 200);
    if (req.method === "HEAD") return void res.end();
    let data = f.bytes.subarray(start, end + 1);
    const fault = faults.get(`${repo}/${path}`);
    if (fault?.flipAt !== undefined && fault.flipAt >= start && fault.flipAt <= end) {
      data = Buffer.from(data);
      data[fault.flipAt - start] ^= 0xff;
    }
    // A range probe (bytes=0-0) is never cut: the cut hits the body of a real download.
    if (fault?.cutAfter !== undefined && (fault.cutTimes ?? 0) > 0 && data.length > 1) {
      fault.cutTimes = (fault.cutTimes ?? 0) - 1;
      res.write(data.subarray(0, Math.min(fault.cutAfter, data.length - 1)), () => {
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    res.end(data);
  }

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutDownload: (repo, path, afterBytes, times) => void faults.set(`${repo}/${path}`, { ...faults.get(`${repo}/${path}`), cutAfter: afterBytes, cutTimes: times }),
    corruptDownload: (repo, path, offset) => void faults.set(`${repo}/${path}`, { ...faults.get(`${repo}/${path}`), flipAt: offset }),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
