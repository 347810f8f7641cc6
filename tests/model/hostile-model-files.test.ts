import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TsinferError } from "../../src/errors.js";
import { modelToJson, openModelFile } from "../../src/formats/index.js";
import { loadModel } from "../../src/model/load-model.js";
import { promptLogits } from "../../src/model/prompt-logits.js";
import { loadServedModel } from "../../src/server/load-served-model.js";
import { loadTokenizer } from "../../src/tokenizer/load-tokenizer.js";
import { rng } from "../kernels/conformance-cases.js";
import { assembleGguf, buildBaseGguf } from "./helpers/hostile-gguf.js";
import type { GgufParts } from "./helpers/hostile-gguf.js";
import { hostileGgufCases, hostileMoeGgufCases } from "./helpers/hostile-gguf-cases.js";
import { hostileHfCases } from "./helpers/hostile-hf-cases.js";
import { PeakMemory } from "./helpers/peak-memory.js";
import type { HfBase, HostileHfCase } from "./helpers/hostile-hf-cases.js";

// Issue 27, item 8: hostile model files (GGUF header values, overlapping tensors, HF JSON mutations), generated
// deterministically, each loaded as `serve` and `run` load them. Every load ends in a TsinferError (FormatError /
// InputError, naming file, key and value) or succeeds, within 1 s of CPU, with the process's peak RSS never more
// than 100 MB above its level after a GC: never another exception type, a hang, or an allocation sized by the
// file's claims.
const tmp = resolve("tests/tmp/model/hostile");
const llamaFixture = "tests/fixtures/arch/llama";
const maxCaseCpuMs = 1000;
const maxGrowthMb = 100;
const memoryWindow = 10;

interface Tally {
  cases: number;
  loaded: number;
  errors: Map<string, number>;
  failures: string[];
  slowestMs: number;
  slowest: string;
  memory: PeakMemory;
}

const tally = (): Tally => ({ cases: 0, loaded: 0, errors: new Map(), failures: [], slowestMs: 0, slowest: "", memory: new PeakMemory() });

/** Runs one case; anything but success or a TsinferError, or more than a second of CPU, is recorded as a failure. */
async function attempt(t: Tally, label: string, load: () => Promise<void>, expected?: RegExp): Promise<void> {
  // Memory is measured over windows of cases (a full GC per case would double the test's time).
  if (t.cases % memoryWindow === 0) t.memory.begin();
  t.cases++;
  // CPU time, not wall time: the shared 2-core machine can stall a process; a hang burns CPU.
  const start = process.cpuUsage();
  try {
    await load();
    t.loaded++;
    if (expected) t.failures.push(`${label}: loaded, expected an error matching ${String(expected)}`);
  } catch (err) {
    if (err instanceof TsinferError) {
      t.errors.set(err.name, (t.errors.get(err.name) ?? 0) + 1);
      if (expected && !expected.test(err.message)) t.failures.push(`${label}: ${err.message.slice(0, 300)} does not match ${String(expected)}`);
    } else {
      t.failures.push(`${label}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(0, 400));
    }
  }
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  if (ms > t.slowestMs) [t.slowestMs, t.slowest] = [ms, label];
  if (ms > maxCaseCpuMs) t.failures.push(`${label}: took ${ms.toFixed(0)} ms of CPU`);
  if (t.cases % memoryWindow === 0) t.memory.end();
}

function expectClean(t: Tally): void {
  if (t.cases % memoryWindow !== 0) t.memory.end();
  const growthMb = t.memory.maxGrowthBytes / 2 ** 20;
  console.log(`${t.cases} cases: ${t.loaded} loaded, errors ${JSON.stringify(Object.fromEntries(t.errors))}; slowest ${t.slowestMs.toFixed(0)} ms CPU (${t.slowest}); peak RSS growth ${growthMb.toFixed(1)} MB (worst window of ${memoryWindow} cases)`);
  expect(t.failures.slice(0, 20)).toEqual([]);
  expect(t.loaded + [...t.errors.values()].reduce((a, b) => a + b, 0)).toBe(t.cases);
  expect(growthMb).toBeLessThan(maxGrowthMb);
}

/** What `tsinfer inspect` (and --json) reads from a file. */
function inspect(path: string): void {
  const file = openModelFile(path);
  try {
    JSON.stringify(modelToJson(file));
  } finally {
    if (file.kind === "gguf") file.gguf.close();
    else file.hf.close();
  }
}

/** Reads a GGUF as inspect does, loads it as serve does (model, default KV cache, tokenizer), then as run does, with a forward pass. */
async function loadGgufEverywhere(path: string): Promise<void> {
  inspect(path);
  loadServedModel({ modelPath: path, parallel: 2, maxBatchTokens: 16 });
  const model = loadModel(path);
  await promptLogits(model, [1, 2, 3]);
  loadTokenizer(path).encode("Once upon a time");
}

/** Loads an HF directory's model (with a forward pass) and, when a case changed its files, its tokenizer. */
async function loadHfEverywhere(dir: string, tokenizerToo: boolean): Promise<void> {
  try {
    inspect(dir);
    const model = loadModel(dir);
    await promptLogits(model, [1, 2, 3]);
  } finally {
    // The tokenizer loads on its own (serve and run read it separately), so its faults are met even when the model's are.
    if (tokenizerToo) loadTokenizer(dir).encode("Once upon a time");
  }
}

describe("hostile model files end in a typed error or a successful load, fast and without a huge allocation", () => {
  let base: GgufParts;
  let moeBase: GgufParts;
  let hfBase: HfBase;
  const caseDir = `${tmp}/hf-case`;

  beforeAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(caseDir, { recursive: true });
    base = buildBaseGguf(tmp, llamaFixture, "models/stories-7m/stories-7m-f16.gguf");
    mkdirSync(`${tmp}/moe`);
    moeBase = buildBaseGguf(`${tmp}/moe`, "tests/fixtures/arch/mixtral-moe", "models/stories-7m/stories-7m-f16.gguf");
    hfBase = {
      "config.json": readFileSync(`${llamaFixture}/config.json`, "utf8"),
      "tokenizer.json": readFileSync("models/stories-7m/hf/tokenizer.json", "utf8"),
      "tokenizer_config.json": readFileSync("models/stories-7m/hf/tokenizer_config.json", "utf8"),
    };
    // Warm-up: one clean load of each base, so lazily built tables are not counted as a hostile file's growth.
    writeFileSync(`${tmp}/base.gguf`, assembleGguf(base, `${tmp}/scratch.gguf`));
    await loadGgufEverywhere(`${tmp}/base.gguf`);
    writeFileSync(`${tmp}/moe/base.gguf`, assembleGguf(moeBase, `${tmp}/moe/scratch.gguf`));
    await loadGgufEverywhere(`${tmp}/moe/base.gguf`);
    for (const [name, text] of Object.entries(hfBase)) writeFileSync(`${caseDir}/${name}`, text);
    symlinkSync(resolve(`${llamaFixture}/model.safetensors`), `${caseDir}/model.safetensors`);
    await loadHfEverywhere(caseDir, true);
  });

  it("GGUF: header counts, metadata values, tokenizer arrays, lengths, tensor infos, overlaps, truncations; MoE expert keys and tensors", async () => {
    const t = tally();
    const path = `${tmp}/case.gguf`;
    const cases = hostileGgufCases(base, `${tmp}/scratch.gguf`, rng(27));
    for (const c of cases) {
      writeFileSync(path, c.bytes());
      await attempt(t, c.label, () => loadGgufEverywhere(path), c.expect);
    }
    const moePath = `${tmp}/moe/case.gguf`;
    for (const c of hostileMoeGgufCases(moeBase, `${tmp}/moe/scratch.gguf`, rng(29))) {
      writeFileSync(moePath, c.bytes());
      await attempt(t, c.label, () => loadGgufEverywhere(moePath), c.expect);
    }
    expectClean(t);
    expect(t.cases).toBeGreaterThan(1000);
    expect(t.loaded).toBeGreaterThan(0); // harmless edits (a name, a string byte) still load
  }, 120_000);

  it("HF directories: config.json, tokenizer.json and tokenizer_config.json mutations (llama and Mixtral)", async () => {
    const t = tally();
    const mixtralConfig = readFileSync("tests/fixtures/arch/mixtral-moe/config.json", "utf8");
    const { llama, mixtral } = hostileHfCases(hfBase, mixtralConfig, rng(28));
    const run = async (cases: HostileHfCase[], weights: string, config: string): Promise<void> => {
      rmSync(`${caseDir}/model.safetensors`, { force: true });
      symlinkSync(resolve(weights), `${caseDir}/model.safetensors`);
      // The unmutated directory loads: the cases' errors come from their mutations.
      writeFileSync(`${caseDir}/config.json`, config);
      await loadHfEverywhere(caseDir, false);
      for (const c of cases) {
        const files = c.files();
        for (const name of Object.keys(hfBase) as (keyof HfBase)[]) {
          const text = name in files ? files[name] : hfBase[name];
          rmSync(`${caseDir}/${name}`, { force: true });
          if (typeof text === "string") writeFileSync(`${caseDir}/${name}`, text);
        }
        const tokenizerChanged = c.changes.some((f) => f.startsWith("tokenizer"));
        await attempt(t, c.label, () => loadHfEverywhere(caseDir, tokenizerChanged), c.expect);
      }
    };
    await run(llama, `${llamaFixture}/model.safetensors`, hfBase["config.json"]);
    await run(mixtral, "tests/fixtures/arch/mixtral-moe/model.safetensors", mixtralConfig);
    expectClean(t);
    expect(t.cases).toBeGreaterThan(300);
    expect(t.loaded).toBeGreaterThan(0);
  }, 120_000);
});
