import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The web UI is built into dist/web at `npm install`; `tsinfer serve` serves it at `/`. No CDN: everything is bundled.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
  },
  logLevel: "warn",
});
