import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium, startServer, type ServerProcess } from "./browser.js";

// The web UI of a server that has an API key: the page asks for the key, then chats (and inspects) with it.
describe.skipIf(!hasChromium)("web UI with an API key, in Chromium against a real tsinfer serve", () => {
  const key = "ui-test-key-4f1c";
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    server = await startServer(["-m", "models/stories-7m/stories-7m-f16.gguf", "--parallel", "2", "--traces", "10"], 60_000, { TSINFER_API_KEY: key });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("asks for the key, refuses a wrong one, and opens the UI with the right one", async () => {
    const first = await page.goto(server.url + "/");
    expect(first?.status()).toBe(401);
    await page.fill("#key", "wrong");
    await page.click("button[type=submit]");
    await expect.poll(() => page.locator(".error").count()).toBe(1);
    await page.fill("#key", key);
    await page.click("button[type=submit]");
    await page.locator("#chat-form").waitFor({ state: "visible", timeout: 30_000 });
    await expect.poll(async () => (await page.locator("#model-name").textContent()) ?? "", { timeout: 30_000 }).toContain("stories");
  });

  it("chats and inspects through the session, under the Content-Security-Policy", async () => {
    await page.fill("#temperature", "0");
    await page.fill("#max_tokens", "12");
    await page.fill("#prompt", "Once upon a time");
    await page.click("#send");
    const answer = page.locator(".message.assistant .content").last();
    await expect.poll(async () => answer.evaluate((n) => n.classList.contains("streaming")), { timeout: 60_000 }).toBe(false);
    expect((await answer.textContent())!.trim().length).toBeGreaterThan(3);
    await page.locator("#inspector-body").waitFor({ state: "visible", timeout: 30_000 });
    expect(await page.locator(".gen-chip").count()).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });
});
