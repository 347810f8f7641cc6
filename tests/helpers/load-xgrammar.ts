// @mlc-ai/web-xgrammar is a UMD bundle built for browsers: in Node's ESM it needs `require` and `__filename`, and
// leaves its exports on globalThis.xgrammar. Tests use it as the reference for what a grammar accepts.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

type XGrammar = typeof import("@mlc-ai/web-xgrammar");

export async function loadXGrammar(): Promise<XGrammar> {
  const g = globalThis as unknown as { require?: NodeRequire; __filename?: string; xgrammar?: XGrammar };
  if (g.xgrammar !== undefined) return g.xgrammar;
  g.require ??= createRequire(import.meta.url);
  g.__filename ??= fileURLToPath(import.meta.resolve("@mlc-ai/web-xgrammar"));
  await import("@mlc-ai/web-xgrammar");
  if (g.xgrammar === undefined) throw new Error("@mlc-ai/web-xgrammar did not load");
  return g.xgrammar;
}
