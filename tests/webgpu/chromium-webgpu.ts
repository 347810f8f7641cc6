import { createServer, type Server } from "node:http";
import { chromium, type Browser, type Page } from "playwright-core";
import { chromiumPath, freePort, hasChromium } from "../web/browser.js";

/** Headless Chromium with WebGPU on SwiftShader (a CPU Vulkan): no GPU needed, but no --disable-gpu either. */
export const WEBGPU_FLAGS = [
  "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--enable-unsafe-webgpu", "--enable-features=Vulkan,WebGPU", "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
];

export interface WebGpuPage {
  readonly browser: Browser;
  readonly page: Page;
  /** "vendor / architecture" of navigator.gpu's adapter, or null when there is none. */
  readonly adapter: string | null;
  close(): Promise<void>;
}

/**
 * Launches Chromium and opens a blank page served from http://127.0.0.1 (WebGPU needs a secure context).
 * Returns null when Chromium is missing or will not start.
 */
export async function openWebGpuPage(): Promise<WebGpuPage | null> {
  if (!hasChromium) return null;
  const port = await freePort();
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><meta charset=utf-8><title>tsinfer webgpu conformance</title>");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: WEBGPU_FLAGS });
  } catch {
    server.close();
    return null;
  }
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  const adapter = await page.evaluate(async () => {
    const nav = (globalThis as unknown as { navigator: { gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> } } }).navigator;
    const a = nav.gpu ? await nav.gpu.requestAdapter() : null;
    return a ? `${a.info?.vendor ?? "?"} / ${a.info?.architecture ?? "?"}` : null;
  });
  return {
    browser, page, adapter,
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
