/**
 * Architecture rules (../shared/design/ARCHITECTURE.md, issue 21 item 9), checked in CI by
 * tests/arch/dependency-rules.test.ts: no import cycles, and no import from a lower layer to a higher one.
 * Layers, lowest first: formats/quant/kernels → model → engine → server → cli.
 */
const lower = ["formats", "quant", "kernels"];
const above = (layers) => `^src/(${layers.join("|")})/`;
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", comment: "an import cycle", from: { path: "^src/" }, to: { circular: true } },
    {
      name: "low-layers-stay-low",
      severity: "error",
      comment: "formats/, quant/ and kernels/ never import model, engine, server or cli",
      from: { path: above(lower) },
      to: { path: above(["model", "engine", "server", "cli"]) },
    },
    { name: "model-below-engine", severity: "error", comment: "model/ never imports engine, server or cli", from: { path: above(["model"]) }, to: { path: above(["engine", "server", "cli"]) } },
    { name: "engine-below-server", severity: "error", comment: "engine/ never imports server or cli", from: { path: above(["engine"]) }, to: { path: above(["server", "cli"]) } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
