import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { defaultThreads, parseBackendName, selectBackend } from "../../src/kernels/select.js";
import { WasmBackend, wasmSimdAvailable } from "../../src/kernels/wasm/index.js";

describe("backend selection", () => {
  it("auto picks wasm where WebAssembly SIMD validates (Node ≥ 20 has it), ref on request", async () => {
    expect(wasmSimdAvailable()).toBe(true);
    const auto = await selectBackend({}, 2);
    expect(auto.name).toBe("wasm");
    expect((auto as WasmBackend).threads).toBe(2);
    await (auto as WasmBackend).close();
    const one = await selectBackend({ backend: "wasm", threads: 1 }, 2);
    expect((one as WasmBackend).threads).toBe(1);
    await (one as WasmBackend).close();
    expect((await selectBackend({ backend: "ref" }, 2)).name).toBe("ref");
  });

  it("parses --backend and rejects unknown names with a typed error", () => {
    expect(parseBackendName("wasm")).toBe("wasm");
    expect(parseBackendName("auto")).toBe("auto");
    expect(() => parseBackendName("gpu")).toThrow(InputError);
  });

  it("default threads: every core on up to 2 cores, else cores − 1 (at most 8)", () => {
    expect([1, 2, 3, 4, 16].map(defaultThreads)).toEqual([1, 2, 2, 3, 8]);
  });
});
