import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { TsinferError } from "../errors.js";

/** The text of web-xgrammar's UMD bundle and what its Node branch expects around it (require, __filename, __dirname). */
export interface XgrammarSource {
  text: string;
  require: (id: string) => unknown;
  filename: string;
  dirname: string;
}

/**
 * Node's way to the bundle: read lib/index.js as text (the package is `"type":"module"` but the file is UMD, so
 * `import` cannot load it). The browser bundle swaps this file for src/browser/shims/xgrammar-source.ts (see
 * vite-plugin.ts), which fetches the same file as an asset.
 */
export async function loadXgrammarSource(): Promise<XgrammarSource> {
  const require = createRequire(import.meta.url);
  let filename: string;
  try {
    filename = require.resolve("@mlc-ai/web-xgrammar");
  } catch {
    throw new TsinferError("@mlc-ai/web-xgrammar is not installed: constrained decoding (response_format, grammar) needs it (npm install)");
  }
  return { text: readFileSync(filename, "utf8"), require, filename, dirname: dirname(filename) };
}
