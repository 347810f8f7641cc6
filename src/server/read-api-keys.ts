import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";

/**
 * The server's API keys from the three places an operator may put them: `--api-key` (visible in `ps`, kept for
 * compatibility), the TSINFER_API_KEY environment variable, and `--api-key-file` (one key per line; blank lines
 * and lines starting with # are skipped), as llama-server takes a key file.
 */
export function readApiKeys(flag: string | undefined, env: string | undefined, file: string | undefined): string[] {
  const keys: string[] = [];
  if (flag !== undefined) keys.push(checked(flag, "--api-key"));
  if (env !== undefined && env.length > 0) keys.push(checked(env, "TSINFER_API_KEY"));
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new InputError(`--api-key-file ${file}: ${(err as Error).message}`);
    }
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith("#"));
    if (lines.length === 0) throw new InputError(`--api-key-file ${file}: the file holds no key`);
    lines.forEach((l, i) => keys.push(checked(l, `--api-key-file ${file}, key ${i + 1}`)));
  }
  return keys;
}

function checked(key: string, where: string): string {
  if (!/^[\x21-\x7e]+$/.test(key)) throw new InputError(`${where}: an API key is printable ASCII without spaces`);
  return key;
}
