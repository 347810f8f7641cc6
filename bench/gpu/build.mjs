// Bundles bench/gpu/webgpu-bench.ts (with the kernels and the conformance cases) into bench/gpu/dist/webgpu-bench.mjs,
// one file that runs on the GPU machine with only the carried node and webgpu package (bench/gpu/README.md).
import { build } from "vite";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
await build({
  configFile: false,
  logLevel: "warn",
  build: {
    ssr: here("./webgpu-bench.ts"),
    outDir: here("./dist"),
    emptyOutDir: true,
    minify: false,
    target: "node20",
    rollupOptions: { external: ["webgpu"], output: { entryFileNames: "webgpu-bench.mjs", format: "es" } },
  },
  ssr: { noExternal: true },
});
console.log("built bench/gpu/dist/webgpu-bench.mjs");
