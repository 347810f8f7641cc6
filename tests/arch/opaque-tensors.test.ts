// The backend seam (issue 21 item 5): activations are opaque Tensors, so the type checker rejects host access to
// them inside src/model/. Checked with the TypeScript compiler API on the real sources plus one planted file that
// imports the real types; and the casts that make a Tensor a Float32Array stay inside src/kernels/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const modelDir = resolve("src/model");
const planted = join(modelDir, "planted-host-access.ts");
// Each line marked "// reject" must carry a type error; the unmarked lines show the opaque route type-checks.
const plantedText = `import type { KernelBackend, Tensor } from "../kernels/backend.js";
import type { ForwardScratch } from "./forward-scratch.js";
import type { ModelWeights } from "./model-weights.js";

export async function planted(s: ForwardScratch, b: KernelBackend, w: ModelWeights): Promise<number> {
  const first: number = s.x[0]; // reject
  s.h[3] = 1; // reject
  const host: Float32Array = s.y; // reject
  b.matmul(new Float32Array(4), s.x, w.output, 1); // reject
  s.q.fill(0); // reject
  b.rmsNorm(s.h, s.x, w.outputNorm?.subarray(0, 4) ?? null, 1, 4, 1e-5, false); // reject
  for (const v of s.attn) console.log(v); // reject
  const t: Tensor = s.x;
  const values = await b.readF32(t, 4);
  return first + values[0]!;
}
`;

const options: ts.CompilerOptions = {
  ...ts.parseJsonConfigFileContent(ts.readConfigFile("tsconfig.json", ts.sys.readFile).config, ts.sys, resolve(".")).options,
  noEmit: true,
};

function modelFiles(): string[] {
  return readdirSync(modelDir).filter((f) => f.endsWith(".ts")).map((f) => join(modelDir, f));
}

/** Type errors of each file under src/model, with the planted file overlaid in memory when given. */
function modelDiagnostics(withPlanted: boolean): Map<string, ts.Diagnostic[]> {
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  if (withPlanted) {
    host.readFile = (f) => (resolve(f) === planted ? plantedText : readFile(f));
    host.fileExists = (f) => resolve(f) === planted || fileExists(f);
    host.getSourceFile = (f, lang, ...rest) =>
      resolve(f) === planted ? ts.createSourceFile(f, plantedText, lang) : getSourceFile(f, lang, ...rest);
  }
  const program = ts.createProgram(withPlanted ? [...modelFiles(), planted] : modelFiles(), options, host);
  const byFile = new Map<string, ts.Diagnostic[]>();
  for (const d of [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()]) {
    const file = d.file ? resolve(d.file.fileName) : "";
    if (!file.startsWith(modelDir)) continue;
    byFile.set(file, [...(byFile.get(file) ?? []), d]);
  }
  return byFile;
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFilesUnder(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("opaque activation tensors", () => {
  it("src/model type-checks, and host access to a Tensor planted there is rejected line by line", () => {
    expect(modelDiagnostics(false)).toEqual(new Map());

    const errors = modelDiagnostics(true).get(planted) ?? [];
    const lines = plantedText.split("\n");
    const errorLines = new Set(errors.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line));
    const wanted = lines.flatMap((text, i) => (text.endsWith("// reject") ? [i] : []));
    expect(wanted.length).toBe(7);
    expect([...errorLines].sort((a, b) => a - b)).toEqual(wanted);
    const messages = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n");
    expect(messages).toMatch(/Tensor/);
  }, 120_000);

  it("the casts between Tensor and host arrays exist only inside src/kernels/", () => {
    const outside = tsFilesUnder(resolve("src")).filter((f) => !f.startsWith(resolve("src/kernels")));
    const offenders = outside.filter((f) => {
      const text = readFileSync(f, "utf8");
      return /as unknown as (Float32Array|Uint16Array|Uint8Array|Tensor|KvLayer|ExpertRouting)\b/.test(text) || /host-tensor\.js/.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
