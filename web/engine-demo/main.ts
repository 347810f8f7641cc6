import { EngineClient } from "../../src/browser/engine-client.js";
import type { GenerationSummary, LoadedModelInfo } from "../../src/browser/engine-protocol.js";

declare global {
  interface Window {
    /** The last generation and the backend that ran it, for tests and the curious. */
    __tsinferResult?: GenerationSummary & { backend: LoadedModelInfo["backend"] };
  }
}

const byId = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`engine demo: #${id} is missing from index.html`);
  return el as T;
};
const fileInput = byId<HTMLInputElement>("model-file");
const threadsSelect = byId<HTMLSelectElement>("threads");
const modelStatus = byId("model-status");
const backendLabel = byId("backend");
const promptBox = byId<HTMLTextAreaElement>("prompt");
const schemaBox = byId<HTMLTextAreaElement>("json-schema");
const maxTokensInput = byId<HTMLInputElement>("max-tokens");
const temperatureInput = byId<HTMLInputElement>("temperature");
const seedInput = byId<HTMLInputElement>("seed");
const generateButton = byId<HTMLButtonElement>("generate");
const output = byId("output");
const stats = byId("stats");

const gpu = (navigator as Navigator & { gpu?: unknown }).gpu;
byId("webgpu").textContent = gpu ? "navigator.gpu exists (WebGPU is not used yet)" : "no navigator.gpu (WebGPU unavailable)";

let client: EngineClient | undefined;
let loaded: LoadedModelInfo | undefined;

const setState = (state: string): void => {
  document.body.dataset.state = state;
};

fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  if (!file) return;
  void loadModel(file);
});

async function loadModel(file: File): Promise<void> {
  client?.terminate();
  client = new EngineClient(new Worker(new URL("../../src/browser/engine-worker.ts", import.meta.url), { type: "module" }));
  loaded = undefined;
  generateButton.disabled = true;
  setState("loading");
  modelStatus.textContent = `Loading ${file.name}…`;
  try {
    const threads = threadsSelect.value === "auto" ? {} : { threads: Number(threadsSelect.value) };
    loaded = await client.load(file, threads, (done, total) => {
      modelStatus.textContent = `Loading ${file.name}: ${Math.round((100 * done) / total)}%`;
    });
    const b = loaded.backend;
    backendLabel.textContent = b.name === "wasm" ? `wasm (${b.simdLevel} SIMD, ${b.threads} thread${b.threads > 1 ? "s" : ""})` : `ref (${b.reason})`;
    backendLabel.dataset.backend = b.name;
    modelStatus.textContent = `${loaded.name}: ${loaded.arch}, ${loaded.nLayers} layers, hidden ${loaded.hiddenSize}, vocab ${loaded.vocabSize}, context ${loaded.ctxLen}; loaded in ${(loaded.loadMs / 1000).toFixed(2)} s`;
    generateButton.disabled = false;
    setState("loaded");
  } catch (err) {
    modelStatus.textContent = `Could not load ${file.name}: ${(err as Error).message}`;
    setState("error");
  }
}

generateButton.addEventListener("click", () => void runGeneration());

async function runGeneration(): Promise<void> {
  if (!client || !loaded || client.busy) return;
  generateButton.disabled = true;
  output.textContent = "";
  stats.textContent = "";
  setState("generating");
  delete window.__tsinferResult;
  let nTokens = 0;
  const startMs = performance.now();
  try {
    const schemaText = schemaBox.value.trim();
    let schema: unknown;
    try {
      schema = schemaText === "" ? undefined : JSON.parse(schemaText);
    } catch (err) {
      throw new Error(`the JSON schema is not JSON: ${(err as Error).message}`);
    }
    const result = await client.generate(
      {
        prompt: promptBox.value,
        maxTokens: Number(maxTokensInput.value),
        sampling: { temperature: Number(temperatureInput.value), seed: Number(seedInput.value) },
        ...(schema !== undefined ? { responseFormat: { type: "json_schema" as const, json_schema: { name: "page", schema } } } : {}),
      },
      (text) => output.append(text),
      () => {
        nTokens++;
        stats.textContent = `${nTokens} tokens, ${((1000 * nTokens) / (performance.now() - startMs)).toFixed(1)} tokens/s`;
      },
    );
    const t = result.timings;
    stats.textContent = `${result.tokenIds.length} tokens (${result.finishReason}) · decode ${t.decodeTokensPerSec.toFixed(1)} tokens/s · prompt ${result.promptTokens} tokens at ${t.prefillTokensPerSec.toFixed(1)} tokens/s · first token ${t.ttftMs.toFixed(0)} ms`;
    output.dataset.tokenIds = result.tokenIds.join(",");
    window.__tsinferResult = { ...result, backend: loaded.backend };
    setState("done");
  } catch (err) {
    stats.textContent = `Generation failed: ${(err as Error).message}`;
    setState("error");
  } finally {
    generateButton.disabled = false;
  }
}
