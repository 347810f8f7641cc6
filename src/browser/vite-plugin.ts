import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";

// This file runs from src/browser (TypeScript, in this repository's configs) or dist/browser (the package).
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const here = (path: string): string => fileURLToPath(new URL(`${path}${ext}`, import.meta.url));

const nodeShims = new Map([
  ["node:worker_threads", here("./shims/worker-threads")],
  ["node:timers/promises", here("./shims/timers-promises")],
]);
const wasmBinary = here("../kernels/wasm/wasm-binary");
const wasmKernelsShim = here("./shims/wasm-kernels");
const xgrammarSource = here("../grammar/xgrammar-source");
const xgrammarSourceShim = here("./shims/xgrammar-source");
const nodeBuiltins = new Set(builtinModules);

/**
 * Vite plugin for bundling tsinfer's browser entry (src/browser/index.ts) for a page: swaps in the browser stand-ins
 * for the wasm kernel loader, web-xgrammar's loader (structured output), node:worker_threads and
 * node:timers/promises, and fails the build when any other Node module is reachable. Add it to both `plugins` and `worker.plugins` (the engine runs in a Web Worker).
 */
export function tsinferBrowser(): Plugin {
  return {
    name: "tsinfer-browser",
    enforce: "pre",
    async resolveId(source, importer, options) {
      const shim = nodeShims.get(source);
      if (shim) return shim;
      if (source.startsWith("node:") || nodeBuiltins.has(source)) {
        this.error(`${source}, imported by ${importer ?? "?"}, is a Node module: it must not reach the browser bundle`);
      }
      if (source.endsWith("xgrammar-source.js")) {
        const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
        return resolved?.id === xgrammarSource ? xgrammarSourceShim : null;
      }
      if (!source.endsWith("wasm-binary.js")) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === wasmBinary ? wasmKernelsShim : null;
    },
  };
}
