import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const srcFile = (path: string): string => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

// The engine's Node-only modules and the browser files that stand in for them in this bundle.
const moduleShims = new Map([[srcFile("kernels/wasm/wasm-binary.ts"), srcFile("browser/shims/wasm-kernels.ts")]]);
const nodeShims = new Map([
  ["node:worker_threads", srcFile("browser/shims/worker-threads.ts")],
  ["node:timers/promises", srcFile("browser/shims/timers-promises.ts")],
]);
const nodeBuiltins = new Set(builtinModules);

/** Swaps in the browser shims, and fails the build when any other Node module is reachable from the page. */
function browserOnly(): Plugin {
  return {
    name: "tsinfer-browser-only",
    enforce: "pre",
    async resolveId(source, importer, options) {
      const shim = nodeShims.get(source);
      if (shim) return shim;
      if (source.startsWith("node:") || nodeBuiltins.has(source)) {
        this.error(`${source}, imported by ${importer ?? "?"}, is a Node module: it must not reach the browser bundle`);
      }
      if (!source.endsWith("wasm-binary.js")) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return (resolved && moduleShims.get(resolved.id)) ?? null;
    },
  };
}

// Shared WebAssembly memory (and so the wasm backend) needs a cross-origin isolated page.
const isolationHeaders = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

// The engine demo: tsinfer bundled for browsers, built into dist/engine-demo at `npm install`. No CDN.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [browserOnly()],
  worker: { format: "es", plugins: () => [browserOnly()] },
  build: {
    outDir: fileURLToPath(new URL("../../dist/engine-demo", import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: "es2022",
  },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  logLevel: "warn",
});
