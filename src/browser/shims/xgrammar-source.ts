import { TsinferError } from "../../errors.js";
import type { XgrammarSource } from "../../grammar/xgrammar-source.js";

/**
 * Stands in for grammar/xgrammar-source.ts in the browser bundle (see vite-plugin.ts): fetches web-xgrammar's UMD
 * bundle (its wasm is embedded) as text for grammar/xgrammar-module.ts to evaluate. Vite emits the file as an asset
 * through `new URL(…, import.meta.url)`; a page that serves it elsewhere calls setXgrammarSourceUrl first. Evaluating
 * it needs a Content-Security-Policy that allows 'unsafe-eval' (it runs through `new Function`, as in Node).
 */
let sourceUrl: string | URL = new URL("../../../node_modules/@mlc-ai/web-xgrammar/lib/index.js", import.meta.url);

export function setXgrammarSourceUrl(url: string | URL): void {
  sourceUrl = url;
}

export async function loadXgrammarSource(): Promise<XgrammarSource> {
  const response = await fetch(sourceUrl);
  if (!response.ok) throw new TsinferError(`web-xgrammar: GET ${String(sourceUrl)} answered ${response.status} (see setXgrammarSourceUrl)`);
  const require = (id: string): unknown => {
    throw new TsinferError(`web-xgrammar asked for the Node module ${id} in a browser`);
  };
  return { text: await response.text(), require, filename: String(sourceUrl), dirname: "" };
}
