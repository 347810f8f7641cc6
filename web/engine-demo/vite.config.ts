import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { tsinferBrowser } from "../../src/browser/vite-plugin.ts";

// Shared WebAssembly memory (and so the wasm backend) needs a cross-origin isolated page.
const isolationHeaders = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

// The engine demo: tsinfer bundled for browsers, built into dist/engine-demo at `npm install`. No CDN.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [tsinferBrowser()],
  worker: { format: "es", plugins: () => [tsinferBrowser()] },
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
