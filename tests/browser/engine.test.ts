import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv } from "ajv";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium } from "../web/browser.js";
import { serveStatic, type StaticServer } from "./static-server.js";

const modelPath = "models/stories-7m/stories-7m-f16.gguf";
const outDir = resolve(`tests/tmp/engine-demo-${process.pid}`);

interface ReferencePrompt {
  prompt: string;
  greedy: number[];
  greedy_text: string;
}
const reference = JSON.parse(readFileSync("models/stories-7m/reference.json", "utf8")) as { prompts: ReferencePrompt[] };
const once = reference.prompts.find((p) => p.prompt === "Once upon a time")!;

interface PageResult {
  tokenIds: number[];
  text: string;
  finishReason: string;
  backend: { name: string; simdLevel?: string; threads: number; reason?: string };
  timings: { decodeTokensPerSec: number };
}

if (!hasChromium) console.warn("tests/browser/engine.test.ts skipped: /usr/bin/chromium is missing");

async function loadAndGenerate(page: Page, threads: string, maxTokens: number): Promise<PageResult> {
  await page.selectOption("#threads", threads);
  await page.setInputFiles("#model-file", modelPath);
  await page.waitForSelector("body[data-state=loaded], body[data-state=error]", { timeout: 60_000 });
  expect(await page.getAttribute("body", "data-state"), (await page.textContent("#model-status")) ?? "").toBe("loaded");
  await page.fill("#prompt", "Once upon a time");
  await page.fill("#max-tokens", String(maxTokens));
  await page.fill("#temperature", "0");
  await page.click("#generate");
  await page.waitForSelector("body[data-state=done], body[data-state=error]", { timeout: 90_000 });
  expect(await page.getAttribute("body", "data-state"), (await page.textContent("#stats")) ?? "").toBe("done");
  return (await page.evaluate(() => (window as unknown as { __tsinferResult: unknown }).__tsinferResult)) as PageResult;
}

describe.skipIf(!hasChromium)("the engine demo page in Chromium (tsinfer bundled for browsers)", () => {
  let server: StaticServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Bundle the current sources (the same config `npm run build` uses) so the page under test is this checkout's.
    execFileSync("npx", ["vite", "build", "--config", "web/engine-demo/vite.config.ts", "--outDir", outDir, "--emptyOutDir"], { stdio: "pipe" });
    server = await serveStatic(outDir);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  const openPage = async (url: string): Promise<Page> => {
    const page = await browser.newPage();
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(url);
    return page;
  };

  it("loads stories-7m from a file input and reproduces the reference greedy tokens on the wasm backend", async () => {
    const page = await openPage(`${server.url}/`);
    const result = await loadAndGenerate(page, "1", 32);
    expect(result.backend.name).toBe("wasm");
    expect(result.backend.threads).toBe(1);
    expect(["simd", "relaxed"]).toContain(result.backend.simdLevel);
    expect(await page.getAttribute("#backend", "data-backend")).toBe("wasm");
    expect(result.tokenIds).toEqual(once.greedy.slice(0, 32));
    expect((await page.getAttribute("#output", "data-token-ids"))!.split(",").map(Number)).toEqual(once.greedy.slice(0, 32));
    // The streamed text is the reference text's start (the reference decodes 64 tokens).
    expect(result.text.length).toBeGreaterThan(100);
    expect(once.greedy_text.startsWith(result.text)).toBe(true);
    expect(await page.textContent("#output")).toBe(result.text);
    expect(await page.textContent("#stats")).toMatch(/32 tokens \(length\) · decode \d+(\.\d)? tokens\/s/);
    expect(await page.textContent("#webgpu")).toMatch(/navigator\.gpu/);
    // The kernels came from the bundle's own assets, and nothing else was fetched.
    expect(server.requests.some((p) => /\/assets\/kernels-(relaxed|simd)-.*\.wasm$/.test(p))).toBe(true);
    // A second request on the same model (and KV cache) gives the same tokens.
    await page.click("#generate");
    await page.waitForSelector("body[data-state=done], body[data-state=error]", { timeout: 90_000 });
    const again = (await page.evaluate(() => (window as unknown as { __tsinferResult: unknown }).__tsinferResult)) as PageResult;
    expect(again.tokenIds).toEqual(once.greedy.slice(0, 32));
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 180_000);

  it("runs the kernels on two threads (Web Workers sharing the WebAssembly memory) with the same tokens", async () => {
    const page = await openPage(`${server.url}/`);
    const result = await loadAndGenerate(page, "2", 32);
    expect(result.backend).toMatchObject({ name: "wasm", threads: 2 });
    expect(result.tokenIds).toEqual(once.greedy.slice(0, 32));
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 180_000);

  it("constrains the answer to a JSON schema in the page (web-xgrammar bundled as an asset, evaluated in the engine's worker)", async () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string", enum: ["Lily", "Tom", "Ben"] }, age: { type: "integer", minimum: 1, maximum: 9 }, happy: { type: "boolean" } },
      required: ["name", "age", "happy"],
      additionalProperties: false,
    };
    const page = await openPage(`${server.url}/`);
    await page.fill("#json-schema", JSON.stringify(schema));
    const greedy = await loadAndGenerate(page, "1", 48);
    expect(greedy.finishReason).toBe("stop");
    const ajv = new Ajv({ strict: false });
    expect(ajv.validate(schema, JSON.parse(greedy.text)), `${greedy.text}: ${ajv.errorsText()}`).toBe(true);
    await page.fill("#temperature", "1");
    await page.click("#generate");
    await page.waitForSelector("body[data-state=done], body[data-state=error]", { timeout: 90_000 });
    const sampled = (await page.evaluate(() => (window as unknown as { __tsinferResult: unknown }).__tsinferResult)) as PageResult;
    expect(ajv.validate(schema, JSON.parse(sampled.text)), sampled.text).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 180_000);

  it("falls back to the ref backend, and says why, on a page without cross-origin isolation", async () => {
    const plain = await serveStatic(outDir, false);
    try {
      const page = await openPage(`${plain.url}/`);
      const result = await loadAndGenerate(page, "auto", 8);
      expect(result.backend.name).toBe("ref");
      expect(result.backend.reason).toMatch(/cross-origin isolated/);
      expect(await page.textContent("#backend")).toMatch(/^ref \(.*COOP\/COEP/);
      expect(result.tokenIds).toEqual(once.greedy.slice(0, 8));
      await page.close();
    } finally {
      await plain.close();
    }
  }, 180_000);
});
