// The architecture rules of .dependency-cruiser.cjs (issue 21 item 9), checked with dependency-cruiser: the tree
// passes, and a small tree with a planted cycle and planted upward imports fails with each rule named.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const config = resolve(".dependency-cruiser.cjs");
const depcruise = resolve("node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** dependency-cruiser's JSON report: its violations and its count of errors (what makes `--output-type err` exit non-zero). */
function cruise(cwd: string): { errors: number; violations: Violation[] } {
  const r = spawnSync(process.execPath, [depcruise, "src", "--config", config, "--output-type", "json"], { cwd, encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 28 });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { summary: { violations: Violation[]; error: number } };
  return { errors: out.summary.error, violations: out.summary.violations };
}

describe("architecture rules (dependency-cruiser)", () => {
  it("hold on this tree: no import cycles, no import from a lower layer to a higher one", () => {
    const { errors, violations } = cruise(resolve("."));
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
    expect(errors).toBe(0);
  }, 120_000);

  it("fail on a planted cycle and on planted upward imports, naming each rule", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsinfer-arch-"));
    try {
      copyFileSync("tsconfig.json", join(dir, "tsconfig.json"));
      const files: Record<string, string> = {
        "src/formats/a.ts": 'import { b } from "./b.js";\nexport const a = (): number => b() + 1;\n',
        "src/formats/b.ts": 'import { a } from "./a.js";\nexport const b = (): number => (a.length > 5 ? 0 : 1);\n',
        "src/kernels/k.ts": 'import { m } from "../model/m.js";\nexport const k = m;\n',
        "src/model/m.ts": 'import { e } from "../engine/e.js";\nexport const m = e;\n',
        "src/engine/e.ts": 'import { s } from "../server/s.js";\nexport const e = s;\n',
        "src/server/s.ts": "export const s = 1;\n",
        "src/server/fine.ts": 'import { e } from "../engine/e.js";\nimport { a } from "../formats/a.js";\nexport const fine = e + a();\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const { errors, violations } = cruise(dir);
      const seen = violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
      expect(errors).toBe(seen.length);
      expect(seen).toEqual(
        [
          "engine-below-server: src/engine/e.ts → src/server/s.ts",
          "low-layers-stay-low: src/kernels/k.ts → src/model/m.ts",
          "model-below-engine: src/model/m.ts → src/engine/e.ts",
          "no-cycles: src/formats/a.ts → src/formats/b.ts",
        ].sort(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
