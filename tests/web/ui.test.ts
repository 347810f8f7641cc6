import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium, startServer, type ServerProcess } from "./browser.js";

const artifacts = "tests/artifacts";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: unknown[];
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations;
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes)`);
}

describe.skipIf(!hasChromium)("web UI in Chromium against a real tsinfer serve", () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServer(["-m", "models/stories-7m/stories-7m-f16.gguf", "--parallel", "4", "--traces", "100"]);
    browser = await launchChromium();
    // bypassCSP: axe-core is injected as an inline script, which the server's policy (rightly) refuses.
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, bypassCSP: true });
    // Offline: anything that is not this server is refused and recorded.
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url) || url.startsWith("data:")) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(server.url + "/");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("streams an answer and shows it in the conversation", async () => {
    await page.fill("#temperature", "0");
    await page.fill("#max_tokens", "24");
    await page.fill("#prompt", "Once upon a time");
    await page.click("#send");
    const answer = page.locator(".message.assistant .content").last();
    await expect.poll(async () => (await answer.textContent())?.length ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(async () => answer.evaluate((n) => n.classList.contains("streaming")), { timeout: 60_000 }).toBe(false);
    expect((await answer.textContent())!.trim().length).toBeGreaterThan(5);
    await page.screenshot({ path: `${artifacts}/web-chat.png`, fullPage: true });
  });

  it("shows the inspector: prompt token chips, one timeline bar per generated token, top-5 alternatives", async () => {
    await page.locator("#inspector-body").waitFor({ state: "visible", timeout: 30_000 });
    const promptChips = await page.locator(".prompt-chip").count();
    expect(promptChips).toBeGreaterThan(3);
    const generated = await page.locator(".gen-chip").count();
    expect(generated).toBeGreaterThan(0);
    expect(generated).toBeLessThanOrEqual(24);
    expect(await page.locator(".timeline-bar").count()).toBe(generated);
    await page.locator(".gen-chip").first().click();
    await expect.poll(() => page.locator(".alt-table .alt-row").count()).toBe(5);
    const probabilities = await page.locator(".alt-table .alt-row td:nth-child(2) span:first-child").allTextContents();
    const values = probabilities.map((p) => parseFloat(p));
    expect(values.every((v, i) => i === 0 || v <= values[i - 1]! + 1e-9)).toBe(true);
    await page.screenshot({ path: `${artifacts}/web-inspector.png`, fullPage: true });
  });

  it("stops a generation and the server frees it", async () => {
    await page.fill("#temperature", "0.8");
    await page.fill("#max_tokens", "450");
    await page.fill("#prompt", "Tell me a long story about a dragon");
    await page.click("#send");
    const answer = page.locator(".message.assistant .content").last();
    await expect.poll(async () => (await answer.textContent())?.length ?? 0, { timeout: 30_000 }).toBeGreaterThan(10);
    await page.click("#stop");
    await expect.poll(async () => answer.textContent(), { timeout: 10_000 }).toContain("[stopped]");
    await expect
      .poll(async () => ((await (await fetch(`${server.url}/v1/stats`)).json()) as { running: number }).running, { timeout: 10_000 })
      .toBe(0);
  });

  it("has no serious accessibility violations on the chat and model views, and made no outside requests", async () => {
    expect(await seriousViolations(page)).toEqual([]);
    await page.click('.tab[data-view="model"]');
    await page.locator(".tensor-table").waitFor({ timeout: 10_000 });
    expect(await page.locator(".tensor-table tr").count()).toBeGreaterThan(10);
    await page.screenshot({ path: `${artifacts}/web-model.png`, fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(outside).toEqual([]);
  });
});
