// Debian's chromium driven by playwright-core, with every request that leaves the Worker's origin refused.
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** CI (.ci/run) installs chromium and sets REQUIRE_BROWSER=1: there a missing browser fails instead of skipping. */
export const haveBrowser = existsSync(CHROMIUM) || process.env.REQUIRE_BROWSER === "1";

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-dev-shm-usage",
      "--no-first-run",
    ],
  });
}

/** A page on which any request to another origin is aborted and recorded. */
export async function offlinePage(
  browser: Browser,
  origin: string,
  width = 1280,
): Promise<{ page: Page; blocked: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const blocked: string[] = [];
  const errors: string[] = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    blocked.push(url);
    return route.abort("internetdisconnected");
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return { page, blocked, errors };
}
