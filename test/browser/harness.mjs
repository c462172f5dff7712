// Browser tests' common setup: Debian's Chromium driven by playwright-core against a real `npm run dev`.
// Used by every test/browser/*.browser.mjs (node --test); `npm run test:browser` runs them all.
// Env: BROWSER_BASE_URL (use a running server instead of starting one), BROWSER_PORT (default 8807),
// CHROMIUM_PATH (default /usr/bin/chromium). Setup: `apt-get install -y chromium` (CI does it in .ci/run).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const DEMO = { email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" };

/** Starts the dev server in its own process group (stopped as a whole), unless BROWSER_BASE_URL names one. */
export async function startServer() {
  if (process.env.BROWSER_BASE_URL)
    return { base: process.env.BROWSER_BASE_URL.replace(/\/$/, ""), stop: async () => {} };
  const port = process.env.BROWSER_PORT ?? "8807";
  const base = `http://127.0.0.1:${port}`;
  const child = spawn("npm", ["run", "dev"], {
    env: { ...process.env, PORT: port, WRANGLER_SEND_METRICS: "false" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    await new Promise((r) => setTimeout(r, 1500));
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  for (let i = 0; i < 180; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return { base, stop };
    } catch {}
    await new Promise((r) => setTimeout(r, 1000));
  }
  await stop();
  throw new Error(`dev server did not answer /health on ${base}:\n${log.slice(-3000)}`);
}

/** Chromium with every request off the loopback refused, so a page that reaches outside fails its test. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
}

/** Blocks every request that leaves 127.0.0.1 and records it. */
export async function offlineContext(browser, options = {}) {
  const context = await browser.newContext(options);
  const escaped = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.protocol === "data:")
      return route.continue();
    escaped.push(url.href);
    return route.abort();
  });
  return { context, escaped };
}

export async function demoToken(base) {
  const r = await fetch(`${base}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(DEMO),
  });
  if (!r.ok) throw new Error(`demo login answered ${r.status}: ${await r.text()}`);
  return (await r.json()).access_token;
}
