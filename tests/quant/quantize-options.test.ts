import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openGguf } from "../../src/formats/index.js";
import { ggmlTypeId, ggmlTypeName } from "../../src/quant/ggml-type.js";
import { quantizeModel } from "../../src/quantize/index.js";
import type { QuantizeOptions } from "../../src/quantize/index.js";
import { buildMixInputs } from "./helpers/mix-inputs.js";

// llama-quantize's --pure, --leave-output-tensor, --output-tensor-type and --token-embedding-type, as llama.cpp applied
// them (fixtures/make-llama-quantize-options.sh).
const fixture = JSON.parse(readFileSync(new URL("fixtures/llama-quantize-options.json", import.meta.url), "utf8")) as {
  runs: { name: string; input: string; type: string; options: string[]; tensors: string[] }[];
};
const dir = mkdtempSync(join(tmpdir(), "tsinfer-quantize-options-"));
const inputs: Record<string, string> = { ...buildMixInputs(dir), "stories-7m": "models/stories-7m/stories-7m-f16.gguf" };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function optionsOf(args: string[]): QuantizeOptions {
  const typeArg = (flag: string) => {
    const value = args[args.indexOf(flag) + 1] ?? "";
    return args.includes(flag) ? ggmlTypeName(ggmlTypeId(value) ?? -1) : undefined;
  };
  return {
    pure: args.includes("--pure"),
    leaveOutputTensor: args.includes("--leave-output-tensor"),
    outputTensorType: typeArg("--output-tensor-type"),
    tokenEmbeddingType: typeArg("--token-embedding-type"),
  };
}

function summary(path: string): string[] {
  const gguf = openGguf(path);
  try {
    return gguf.tensors.map((t) => {
      const sha256 = createHash("sha256").update(gguf.readTensorBytes(t)).digest("hex");
      return `${t.name} ${ggmlTypeName(t.type)} ${sha256.slice(0, 16)}`;
    });
  } finally {
    gguf.close();
  }
}

describe("type-override options match llama-quantize", () => {
  for (const run of fixture.runs) {
    it(`${run.input} ${run.type} ${run.options.join(" ")}`, { timeout: 60_000 }, () => {
      const out = join(dir, `${run.name}.gguf`);
      quantizeModel(inputs[run.input] ?? "", out, run.type, optionsOf(run.options));
      expect(summary(out)).toEqual(run.tensors);
    });
  }

  it("parses the options on the command line", { timeout: 60_000 }, () => {
    const run = fixture.runs.find((r) => r.name === "embd-and-output-types");
    expect(run).toBeDefined();
    if (!run) return;
    const out = join(dir, "cli-options.gguf");
    execFileSync("node", ["bin/tsinfer.js", "quantize", ...run.options, inputs[run.input] ?? "", out, run.type], { stdio: "pipe" });
    expect(summary(out)).toEqual(run.tensors);
  });
});
