import { createHash, type Hash } from "node:crypto";
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, truncateSync, writeSync } from "node:fs";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { downloadFile, HubApiError } from "@huggingface/hub";
import { HubError } from "./hub-error.js";
import type { RepoFile } from "./pick-model-files.js";

/** Bytes so far of one file; `resumedFrom` bytes were already on disk when this attempt began. */
export interface DownloadProgress {
  readonly path: string;
  readonly doneBytes: number;
  readonly totalBytes: number;
  readonly resumedFrom: number;
}

export interface DownloadBlobOptions {
  readonly repo: string;
  readonly commit: string;
  readonly file: RepoFile;
  readonly endpoint: string;
  readonly token?: string;
  /** The blob's final path; the download goes to `<blob>.incomplete` first, as huggingface_hub names it. */
  readonly blob: string;
  readonly onProgress?: (p: DownloadProgress) => void;
}

// As llama.cpp's common_download_file_single_online: a few tries, each resuming from what the last one wrote.
const maxAttempts = 3;

/**
 * Downloads one file into the blob store through the client's downloadFile (resolve URL, redirects, the Range
 * request of WebBlob.slice). The client keeps no partial file, checks no hash and shows no progress: those are here
 * (resume from `.incomplete` as huggingface_hub's http_get does; SHA-256 of LFS files, git SHA-1 of small files).
 */
export async function downloadBlob(o: DownloadBlobOptions): Promise<void> {
  const partial = `${o.blob}.incomplete`;
  let lastError: unknown;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    try {
      const hash = await downloadAttempt(o, partial);
      verifyAndCommit(o, partial, hash);
      return;
    } catch (err) {
      if (err instanceof HubError || err instanceof HubApiError) throw err; // a refusal, not a cut: no retry
      lastError = err;
    }
  }
  const have = existsSync(partial) ? statSync(partial).size : 0;
  const why = lastError instanceof Error ? lastError.message : String(lastError);
  throw new HubError(
    `${o.repo}/${o.file.path}: download interrupted after ${have} of ${o.file.size} bytes (${why}); ` +
      `the partial file ${partial} is kept: pull again to resume`,
  );
}

/** SHA-256 of the content for an LFS file; else the git blob id (SHA-1 of "blob <size>\0" + content). */
function contentHash(file: RepoFile): Hash {
  return file.lfsSha256 !== undefined ? createHash("sha256") : createHash("sha1").update(`blob ${file.size}\0`);
}

/** Appends the missing bytes to the partial file; returns the hash over all of it (earlier bytes re-read once). */
async function downloadAttempt(o: DownloadBlobOptions, partial: string): Promise<Hash> {
  let have = existsSync(partial) ? statSync(partial).size : 0;
  if (have > o.file.size) {
    truncateSync(partial, 0);
    have = 0;
  }
  const hash = contentHash(o.file);
  if (have > 0) hashFileInto(hash, partial);
  if (have === o.file.size) return hash; // an earlier attempt wrote everything; the hash decides
  const blob = await downloadFile({
    repo: { type: "model", name: o.repo },
    path: o.file.path,
    revision: o.commit,
    hubUrl: o.endpoint,
    xet: false,
    ...(o.token !== undefined ? { accessToken: o.token } : {}),
  });
  if (!blob) throw new HubError(`${o.repo}/${o.file.path}: the Hub says the file does not exist at commit ${o.commit}`);
  if (blob.size !== o.file.size) {
    throw new HubError(`${o.repo}/${o.file.path}: the Hub lists ${o.file.size} bytes but serves ${blob.size}`);
  }
  const fd = openSync(partial, "a");
  try {
    let done = have;
    o.onProgress?.({ path: o.file.path, doneBytes: done, totalBytes: o.file.size, resumedFrom: have });
    // slice(have) is a full GET when have is 0, else a `Range: bytes=have-` request.
    const body = Readable.fromWeb(blob.slice(have).stream() as NodeReadableStream<Uint8Array>);
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      writeSync(fd, chunk);
      hash.update(chunk);
      done += chunk.length;
      o.onProgress?.({ path: o.file.path, doneBytes: done, totalBytes: o.file.size, resumedFrom: have });
    }
  } finally {
    closeSync(fd);
  }
  return hash;
}

function verifyAndCommit(o: DownloadBlobOptions, partial: string, hash: Hash): void {
  const size = statSync(partial).size;
  if (size !== o.file.size) throw new Error(`got ${size} of ${o.file.size} bytes`);
  const expected = o.file.lfsSha256 ?? o.file.gitOid;
  const actual = hash.digest("hex");
  if (expected !== undefined && actual !== expected) {
    rmSync(partial);
    const what = o.file.lfsSha256 !== undefined ? "SHA-256" : "git blob SHA-1";
    throw new HubError(`${o.repo}/${o.file.path}: ${what} mismatch (the Hub says ${expected}, the download is ${actual}); the partial file was removed`);
  }
  renameSync(partial, o.blob);
}

function hashFileInto(hash: Hash, path: string): void {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
