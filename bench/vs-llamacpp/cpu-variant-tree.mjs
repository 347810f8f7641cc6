// llama.cpp's prebuilt CPU backends come as variants (libggml-cpu-{haswell,zen4,sapphirerapids,…}.so) and ggml loads
// the best one the CPU supports. To measure one variant on a CPU that supports a better one (for example the Zen 4
// build, AVX-512 VNNI without AMX, on a Sapphire Rapids host where llama.cpp would load its AMX build), this makes a
// throwaway node_modules tree under the system's temp directory: every package a symlink to this repository's,
// except @node-llama-cpp/linux-x64, copied without the other CPU variants, plus a copy of llamacpp-bench.mjs. Run the
// copy with `node --preserve-symlinks --preserve-symlinks-main` so node-llama-cpp resolves its binaries from the tree.
// The repository's own node_modules is never changed.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Returns the copied llamacpp-bench.mjs and the node flags to run it with; throws if the variant does not exist. */
export function cpuVariantTree(root, variant) {
  const nm = join(root, "node_modules");
  const pkg = join(nm, "@node-llama-cpp", "linux-x64");
  const bins = join(pkg, "bins", "linux-x64");
  const lib = `libggml-cpu-${variant}.so`;
  if (!existsSync(join(bins, lib))) {
    const have = readdirSync(bins).filter((f) => /^libggml-cpu-.*\.so$/.test(f)).map((f) => f.slice(12, -3));
    throw new Error(`--llamacpp-cpu ${variant}: no ${lib} in ${bins} (variants: ${have.join(", ")})`);
  }
  const dir = mkdtempSync(join(tmpdir(), `llamacpp-${variant}-`));
  const tnm = join(dir, "node_modules");
  mkdirSync(join(tnm, "@node-llama-cpp"), { recursive: true });
  for (const e of readdirSync(nm)) if (e !== "@node-llama-cpp" && e !== ".bin") symlinkSync(join(nm, e), join(tnm, e));
  for (const e of readdirSync(join(nm, "@node-llama-cpp"))) if (e !== "linux-x64") symlinkSync(join(nm, "@node-llama-cpp", e), join(tnm, "@node-llama-cpp", e));
  const tpkg = join(tnm, "@node-llama-cpp", "linux-x64");
  cpSync(pkg, tpkg, { recursive: true, filter: (src) => !/libggml-cpu-.*\.so$/.test(src) || src.endsWith(lib) });
  const bench = join(dir, "bench", "vs-llamacpp", "llamacpp-bench.mjs");
  mkdirSync(join(dir, "bench", "vs-llamacpp"), { recursive: true });
  cpSync(join(root, "bench", "vs-llamacpp", "llamacpp-bench.mjs"), bench);
  return { dir, bench, nodeArgs: ["--preserve-symlinks", "--preserve-symlinks-main"] };
}
