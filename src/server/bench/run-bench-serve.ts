import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { sendBenchRequest } from "./bench-request.js";
import type { BenchRequest, RequestResult } from "./bench-request.js";
import { summarize } from "./bench-summary.js";
import type { BenchSummary } from "./bench-summary.js";
import { mulberry32 } from "./mulberry32.js";

export interface BenchServeOptions {
  baseUrl: string;
  model: string;
  apiKey: string | null;
  endpoint: "completions" | "chat";
  prompts: string[];
  numPrompts: number;
  concurrency: number;
  /** Requests per second (Poisson arrivals, like vLLM); Infinity sends them all at once, within concurrency. */
  requestRate: number;
  maxTokens: number;
  ignoreEos: boolean;
  temperature: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

export interface BenchServeResult {
  summary: BenchSummary;
  results: RequestResult[];
}

/** Runs the benchmark: numPrompts requests, at most `concurrency` in flight, arriving at `requestRate`. */
export async function runBenchServe(o: BenchServeOptions): Promise<BenchServeResult> {
  const rng = mulberry32(o.seed);
  const results: RequestResult[] = new Array(o.numPrompts);
  let inFlight = 0;
  let done = 0;
  const slotFreed: (() => void)[] = [];
  const acquire = async () => {
    while (inFlight >= o.concurrency) await new Promise<void>((resolve) => slotFreed.push(resolve));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    slotFreed.shift()?.();
  };
  // One keep-alive connection per concurrent request, as vLLM's client (an aiohttp session) keeps them.
  const agentOptions = { keepAlive: true, maxSockets: Math.max(1, Math.min(o.concurrency, o.numPrompts)) };
  const agent = o.baseUrl.startsWith("https:") ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const start = performance.now();
  const tasks: Promise<void>[] = [];
  for (let i = 0; i < o.numPrompts; i++) {
    if (i > 0 && Number.isFinite(o.requestRate)) await sleep((-Math.log(1 - rng()) / o.requestRate) * 1000);
    await acquire();
    const req: BenchRequest = { baseUrl: o.baseUrl, apiKey: o.apiKey, model: o.model, endpoint: o.endpoint, prompt: o.prompts[i % o.prompts.length], maxTokens: o.maxTokens, ignoreEos: o.ignoreEos, temperature: o.temperature };
    tasks.push(
      sendBenchRequest(req, agent).then((r) => {
        results[i] = r;
        release();
        o.onProgress?.(++done, o.numPrompts);
      }),
    );
  }
  await Promise.all(tasks);
  const durationSec = (performance.now() - start) / 1000;
  agent.destroy();
  return { summary: summarize(results, durationSec), results };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Story openings for the default prompt set (the benchmark sends prompt i mod the list length). */
export const DEFAULT_BENCH_PROMPTS = [
  "Once upon a time, there was a little girl named Lily who loved to play in the park.",
  "One day, a small dog found a red ball under a big tree.",
  "Tom and his mom went to the store to buy some apples.",
  "There was a happy bird who liked to sing every morning.",
  "Sara had a new toy car. She wanted to show it to her friend Ben.",
  "The sun was shining and the children were playing outside.",
  "A little boy named Tim wanted to climb the tallest hill in town.",
  "In a big forest, there lived a kind bear who shared his honey.",
];
