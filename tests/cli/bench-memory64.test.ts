import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wasmMemory64Available } from "../../src/kernels/wasm/index.js";

// `tsinfer bench --memory64` through the built CLI, on the Node running the tests: the build it reports (kernelBuild),
// and on a runtime without memory64 the typed error instead of a crash.
const model = "models/stories-7m/stories-7m-f16.gguf";

function bench(memory64: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ["bin/tsinfer.js", "bench", "-m", model, "-p", "0", "-n", "4", "--reps", "1", "-t", "1",
    "--memory64", memory64, "--json"], { encoding: "utf8", timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe("tsinfer bench --memory64", () => {
  it("auto keeps a small model on the 32-bit build; on asks for memory64 (or says Node ≥ 24 is needed)", () => {
    const auto = bench("auto");
    expect(auto.status, auto.stderr).toBe(0);
    expect((JSON.parse(auto.stdout) as { kernelBuild: string }).kernelBuild).toMatch(/^(simd|relaxed)$/);
    const on = bench("on");
    if (wasmMemory64Available()) {
      expect(on.status, on.stderr).toBe(0);
      expect((JSON.parse(on.stdout) as { kernelBuild: string }).kernelBuild).toMatch(/^(simd|relaxed)64$/);
    } else {
      expect(on.status).toBe(1);
      expect(on.stderr).toMatch(/WasmMemoryError: .*no WebAssembly memory64: run it on Node ≥ 24/);
    }
    const bad = bench("maybe");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--memory64: expected auto, on or off, got "maybe"');
  }, 120_000);
});

describe("tsinfer run, a model file over 4 GiB", () => {
  it("where the runtime has no memory64: the typed error naming the size and Node ≥ 24, before reading the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsinfer-m64-"));
    try {
      // A sparse file of 4.5 GiB: its size is all the build choice reads; its bytes are no model.
      const file = join(dir, "big.gguf");
      writeFileSync(file, "");
      truncateSync(file, 4.5 * 2 ** 30);
      const r = spawnSync(process.execPath, ["bin/tsinfer.js", "run", "-m", file, "-p", "hi", "-n", "1"], { encoding: "utf8", timeout: 60_000 });
      expect(r.status).toBe(1);
      if (wasmMemory64Available()) expect(r.stderr).not.toContain("WasmMemoryError");
      else expect(r.stderr).toMatch(/WasmMemoryError: the model needs about 4\.75 GiB .* run it on Node ≥ 24/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
