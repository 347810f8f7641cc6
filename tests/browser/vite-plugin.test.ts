import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import { tsinferBrowser } from "../../src/browser/vite-plugin.js";

const dir = resolve(`tests/tmp/vite-plugin-${process.pid}`);

async function bundle(entrySource: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const entry = resolve(dir, "entry.ts");
  writeFileSync(entry, entrySource);
  const out = await build({
    configFile: false, logLevel: "silent", root: dir, plugins: [tsinferBrowser()],
    build: { write: false, lib: { entry, formats: ["es"], fileName: "entry" }, minify: false },
  });
  const outputs = Array.isArray(out) ? out : [out];
  return outputs.flatMap((o) => ("output" in o ? o.output.map((c) => ("code" in c ? c.code : "")) : []));
}

describe("tsinferBrowser (the Vite plugin that bundles the browser entry)", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("bundles src/browser/index.ts with the wasm backend and no Node module in it", async () => {
    const code = (await bundle(`export * from "${resolve("src/browser/index.ts")}";\n`)).join("\n");
    expect(code).toMatch(/WasmBackend = class|class WasmBackend/);
    expect(code).toContain("preloadWasmKernels");
    expect(code).toContain("setXgrammarSourceUrl"); // structured output: the browser loader of web-xgrammar
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toContain("readFileSync");
  }, 60_000);

  it("fails the build, naming the importer, when a Node module is reachable", async () => {
    await expect(bundle(`export { openGguf } from "${resolve("src/formats/open-gguf.ts")}";\n`)).rejects.toThrow(
      /node:fs, imported by .*src\/formats\/file-byte-source\.ts, is a Node module/,
    );
  }, 60_000);
});
