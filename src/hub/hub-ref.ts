import { InputError } from "../errors.js";

/** What a user names on the Hub: `org/repo`, `org/repo:QUANT`, `org/repo/path/file.gguf` or `org/repo:file.gguf`. */
export interface HubRef {
  /** "org/repo" */
  readonly repo: string;
  /** A quant tag such as "Q4_K_M" (upper-cased), as llama.cpp's `-hf org/repo:Q4_K_M`. */
  readonly quant?: string;
  /** A file path inside the repository. */
  readonly file?: string;
  /** Branch, tag or commit; "main" unless `@rev` follows the repo name. */
  readonly revision: string;
}

export const hubPrefix = "hf:";

const repoPart = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const quantTag = /^[A-Za-z0-9_]+$/;

/** True for a `-m` value that names a Hub model rather than a local path. */
export function isHubSpec(spec: string): boolean {
  return spec.startsWith(hubPrefix);
}

/** Parses a Hub model name (with or without the `hf:` prefix; `hf.co/` and `huggingface.co/` as ollama writes them). */
export function parseHubRef(spec: string): HubRef {
  let rest = spec.startsWith(hubPrefix) ? spec.slice(hubPrefix.length) : spec;
  rest = rest.replace(/^(https?:\/\/)?(hf\.co|huggingface\.co)\//, "");
  const bad = (why: string): InputError => new InputError(`model ${JSON.stringify(spec)}: ${why}; expected org/repo, org/repo:QUANT or org/repo/file.gguf`);
  let tail: string | undefined;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    tail = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tail === "") throw bad("nothing after ':'");
  }
  const parts = rest.split("/");
  if (parts.length < 2) throw bad("no '/' between organization and repository");
  let [org, name] = parts as [string, string];
  let revision = "main";
  const at = name.indexOf("@");
  if (at >= 0) {
    revision = name.slice(at + 1);
    name = name.slice(0, at);
    if (!/^[A-Za-z0-9._/-]+$/.test(revision) || revision.split("/").some((s) => s === "" || s === "." || s === "..")) throw bad(`revision ${JSON.stringify(revision)} is not a branch, tag or commit name`);
  }
  for (const p of [org, name]) {
    if (!repoPart.test(p) || p.includes("..")) throw bad(`${JSON.stringify(p)} is not a valid organization or repository name`);
  }
  const repo = `${org}/${name}`;
  const path = parts.slice(2).join("/");
  if (path !== "" && tail !== undefined) throw bad("both a file path and a ':' tag");
  const file = path !== "" ? path : tail !== undefined && !quantTag.test(tail) ? tail : undefined;
  if (file !== undefined) {
    if (file.split("/").some((s) => s === "" || s === "." || s === "..")) throw bad(`file path ${JSON.stringify(file)} has an empty, '.' or '..' part`);
    return { repo, file, revision };
  }
  if (tail !== undefined) return { repo, quant: tail.toUpperCase(), revision };
  return { repo, revision };
}

/** The name as the user would write it back: org/repo, org/repo:QUANT or org/repo/file. */
export function formatHubRef(ref: HubRef): string {
  const rev = ref.revision === "main" ? "" : `@${ref.revision}`;
  if (ref.file !== undefined) return `${ref.repo}${rev}/${ref.file}`;
  if (ref.quant !== undefined) return `${ref.repo}${rev}:${ref.quant}`;
  return `${ref.repo}${rev}`;
}
