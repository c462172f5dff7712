// /docs renders the API reference with the network cut off: everything it needs is served by the Worker.
import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { haveBrowser, launch, offlinePage } from "./browser.ts";

const base = inject("base");
let browser: Browser;

describe.skipIf(!haveBrowser)("GET /docs in a browser with no network", () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("renders the operations of the OpenAPI document from the Worker's own assets", async () => {
    const { page, blocked, errors } = await offlinePage(browser, base);
    const res = await page.goto(`${base}/docs`);
    expect(res?.status()).toBe(200);
    // The document's title, a tag description and an operation's summary, as the document states them.
    await page.getByRole("heading", { name: "edgeindex API" }).first().waitFor({ timeout: 30_000 });
    await page.getByText("Operator routes: refreshes, jobs and the audit log").first().waitFor({ timeout: 10_000 });
    await page.getByText("Change an asset (admin)").first().waitFor({ timeout: 10_000 });
    mkdirSync("test/outside/.screenshots", { recursive: true });
    await page.screenshot({ path: "test/outside/.screenshots/docs.png" });
    const csp = errors.filter((e: string) => /Content Security Policy/i.test(e));
    expect(csp).toEqual([]);
    // Whatever the UI tried to fetch from elsewhere (fonts, telemetry) was refused and it rendered anyway.
    expect(blocked.every((u: string) => !u.includes("/openapi.json"))).toBe(true);
  });
});
