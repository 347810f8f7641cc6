import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The browser runs the same KV store and prefix cache as the server (src/browser bundles the engine): nothing that
// src/kv imports, directly or through other files of src/, may be a Node module. Type-only imports are erased.
const builtins = new Set(builtinModules);
const importRe = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']/gm;

function nodeImports(entry: string, seen = new Set<string>()): string[] {
  if (seen.has(entry)) return [];
  seen.add(entry);
  const found: string[] = [];
  for (const [, spec] of readFileSync(entry, "utf8").matchAll(importRe)) {
    if (spec!.startsWith(".")) found.push(...nodeImports(resolve(dirname(entry), spec!.replace(/\.js$/, ".ts")), seen));
    else if (spec!.startsWith("node:") || builtins.has(spec!)) found.push(`${entry}: ${spec}`);
  }
  return found;
}

describe("src/kv in the browser", () => {
  it("imports no Node module, directly or indirectly", () => {
    const files = readdirSync("src/kv").filter((f) => f.endsWith(".ts")).map((f) => resolve(join("src/kv", f)));
    expect(files.length).toBeGreaterThan(4);
    expect(files.flatMap((f) => nodeImports(f))).toEqual([]);
  });

  it("the scan sees a Node import where there is one", () => {
    expect(nodeImports(resolve("src/server/machine-memory.ts"))).toEqual([`${resolve("src/server/machine-memory.ts")}: node:fs`, `${resolve("src/server/machine-memory.ts")}: node:os`]);
  });
});
