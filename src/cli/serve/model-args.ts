import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { InputError } from "../../errors.js";

/** A model to serve as the command line names it: its names (the first is its id) and its path. */
export interface ModelArg {
  readonly names: readonly string[];
  readonly path: string;
}

/** `NAME=PATH` (or `A,B=PATH` for aliases): names are letters, digits and . _ : - (no slash, so a path is never taken for one). */
const NAMED = /^([A-Za-z0-9._:-]+(?:,[A-Za-z0-9._:-]+)*)=(.+)$/;

/** The name a model gets from its path: the file name without .gguf, or the directory's name. */
export function defaultModelName(path: string): string {
  return basename(path.replace(/[/\\]+$/, "")).replace(/\.gguf$/i, "");
}

/**
 * The models of `serve`: each `-m [NAMES=]PATH` in order, then every model of --models-dir. --served-model-name
 * names the only model (several values: aliases, as vLLM's flag), or, given once per -m, each model in order.
 */
export function modelArgs(models: readonly string[], modelsDir: string | undefined, servedModelNames: readonly string[] | undefined): ModelArg[] {
  const out: ModelArg[] = models.map((m) => {
    const named = NAMED.exec(m);
    if (named !== null && !existsSync(m)) return { names: named[1].split(","), path: named[2] };
    // A Hub model is served under the name the user gave it (org/repo:QUANT), not its cache file's name.
    return { names: [m.startsWith("hf:") ? m.slice(3) : defaultModelName(m)], path: m };
  });
  if (modelsDir !== undefined) out.push(...modelsInDir(modelsDir));
  if (servedModelNames === undefined || servedModelNames.length === 0) return out;
  if (out.length === 1) return [{ names: servedModelNames, path: out[0].path }];
  if (servedModelNames.length !== models.length || modelsDir !== undefined)
    throw new InputError(
      `--served-model-name: ${servedModelNames.length} names for ${out.length} models; with several models give one per -m (in order), or name each as -m NAME=PATH`,
    );
  return out.map((m, i) => ({ names: [servedModelNames[i]], path: m.path }));
}

/** Every GGUF file (the first part of a split one) and every Hugging Face model directory (with a config.json) in `dir`. */
export function modelsInDir(dir: string): ModelArg[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--models-dir ${dir}: not a directory`);
  const found: ModelArg[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    const st = statSync(path);
    if (st.isFile() && /\.gguf$/i.test(entry) && !/-0000[2-9]-of-\d{5}\.gguf$|-000[1-9]\d-of-\d{5}\.gguf$/i.test(entry)) found.push({ names: [defaultModelName(entry).replace(/-00001-of-\d{5}$/, "")], path });
    else if (st.isDirectory() && existsSync(join(path, "config.json"))) found.push({ names: [entry], path });
  }
  if (found.length === 0) throw new InputError(`--models-dir ${dir}: no GGUF file or Hugging Face model directory (with config.json) in it`);
  return found;
}
