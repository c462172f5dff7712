// Browser check of the live dashboard (GET /): it signs in as the demo user, draws the demo index chart, streams
// quotes that change, and logs no console error, failed request or CSP violation. Not part of CI (needs Chromium).
// Run against a dev server (`npm run dev`, another terminal):
//   apt-get install -y chromium                          # or any Chrome/Chromium; set DASHBOARD_CHROMIUM
//   mkdir -p /tmp/pw && cd /tmp/pw && npm init -y && npm i playwright-core   # kept out of package.json
//   PLAYWRIGHT_CORE_DIR=/tmp/pw node scripts/dashboard-check.mjs [screenshot.png]
// Env: DASHBOARD_URL (default http://127.0.0.1:8787), DASHBOARD_CHROMIUM (default /usr/bin/chromium),
//   DASHBOARD_WATCH_SECONDS (default 5), DASHBOARD_SCREENSHOT or the first argument (default bench/.out/dashboard.png),
//   DASHBOARD_COLOR_SCHEME (light|dark, default light). Exit 0 when every check passes, 1 if one fails, 2 on setup.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const base = (process.env.DASHBOARD_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const chromium = process.env.DASHBOARD_CHROMIUM ?? "/usr/bin/chromium";
const watchSeconds = Number(process.env.DASHBOARD_WATCH_SECONDS ?? 5);
const screenshot = resolve(
  process.argv[2] ??
    process.env.DASHBOARD_SCREENSHOT ??
    fileURLToPath(new URL("../bench/.out/dashboard.png", import.meta.url)),
);
const colorScheme = process.env.DASHBOARD_COLOR_SCHEME ?? "light";
const EXPECTED_INDEX = "Big Tech Capped";

/** playwright-core from the project, or from PLAYWRIGHT_CORE_DIR (a folder where it is installed). */
async function loadPlaywright() {
  const candidates = ["playwright-core"];
  for (const dir of [process.env.PLAYWRIGHT_CORE_DIR, "/tmp/pw"].filter(Boolean)) {
    try {
      candidates.push(pathToFileURL(createRequire(join(resolve(dir), "package.json")).resolve("playwright-core")).href);
    } catch {
      // not installed there
    }
  }
  for (const specifier of candidates) {
    try {
      const mod = await import(specifier);
      return mod.chromium ?? mod.default.chromium;
    } catch {
      // try the next one
    }
  }
  console.error(
    "playwright-core is not installed. Install it outside the project (package.json stays unchanged):\n" +
      "  mkdir -p /tmp/pw && cd /tmp/pw && npm init -y && npm i playwright-core\n" +
      "then run: PLAYWRIGHT_CORE_DIR=/tmp/pw node scripts/dashboard-check.mjs",
  );
  process.exit(2);
}

const results = [];
function check(name, ok, detail = "") {
  results.push({ name, ok });
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
  return ok;
}

const browserType = await loadPlaywright();
const profile = mkdtempSync(join(tmpdir(), "dashboard-check-"));
// A fresh profile each run (launchPersistentContext is how Playwright takes --user-data-dir).
const context = await browserType
  .launchPersistentContext(profile, {
    executablePath: chromium,
    headless: true,
    viewport: { width: 1100, height: 900 },
    colorScheme,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  })
  .catch((err) => {
    console.error(`Cannot start Chromium at ${chromium} (DASHBOARD_CHROMIUM): ${err.message.split("\n")[0]}`);
    console.error("Install it (Debian: apt-get install -y chromium) or point DASHBOARD_CHROMIUM at a Chrome binary.");
    rmSync(profile, { recursive: true, force: true });
    process.exit(2);
  });

const consoleErrors = [];
const failedRequests = [];
const cspViolations = [];
let exitCode = 1;
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.message}`));
  page.on("requestfailed", (req) => failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on("response", (res) => {
    if (res.status() >= 400) failedRequests.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`);
  });
  await page.exposeFunction("__reportCsp", (v) => cspViolations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__reportCsp(
        `${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`,
      ),
    );
  });

  const response = await page.goto(`${base}/`, { waitUntil: "load" });
  check("GET / answers 200", response?.status() === 200, `HTTP ${response?.status()}`);
  const headers = response ? await response.allHeaders() : {};
  const csp = headers["content-security-policy"] ?? "";
  check("CSP header present and strict", /script-src 'self'/.test(csp) && !/unsafe-/.test(csp), csp || "missing");

  // Signed in already (a stored session) or a sign-in form to submit.
  let signInAt = Date.now();
  const form = page.locator("#login");
  if (await form.isVisible()) {
    check("sign-in form offered", true);
    signInAt = Date.now();
    await page.locator("#login button[type=submit]").click();
  }
  const board = await page
    .locator("#board")
    .waitFor({ state: "visible", timeout: 15_000 })
    .then(() => true)
    .catch(() => false);
  const loginError =
    (await page
      .locator("#login-error")
      .textContent()
      .catch(() => "")) ?? "";
  check("signed in, dashboard shown", board, loginError ? `login error: ${loginError}` : "");

  // The demo index and its chart.
  const picked = await page
    .waitForFunction(
      (name) => [...document.querySelectorAll("#index-picker option")].some((o) => o.textContent.includes(name)),
      EXPECTED_INDEX,
      { timeout: 15_000 },
    )
    .then(() => true)
    .catch(() => false);
  check(`index picker lists "${EXPECTED_INDEX}"`, picked);
  const levels = await page
    .waitForFunction(() => /daily levels/.test(document.getElementById("index-status").textContent), null, {
      timeout: 15_000,
    })
    .then(() => true)
    .catch(() => false);
  const title = await page.locator("#index-title").textContent();
  const status = await page.locator("#index-status").textContent();
  check("index title and levels shown", levels && title === EXPECTED_INDEX, `${title}: ${status}`);
  const inked = await page.evaluate(() => {
    const canvas = document.getElementById("chart");
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
  check("chart drawn", inked > 500, `${inked} painted pixels`);

  // Live quotes: time to the first row, then how many ticks arrive in the watch window.
  const firstQuote = await page
    .waitForFunction(
      () => [...document.querySelectorAll("#quotes tr")].some((tr) => tr.children[3].textContent !== ""),
      null,
      { timeout: 20_000 },
    )
    .then(() => Date.now() - signInAt)
    .catch(() => null);
  check("first quote shown", firstQuote !== null, firstQuote !== null ? `${firstQuote} ms after signing in` : "");
  const snapshot = () =>
    page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll("#quotes tr")]
          .filter((tr) => tr.children[3].textContent !== "")
          .map((tr) => [
            tr.dataset.symbol,
            { price: tr.children[1].textContent, seq: Number(tr.children[3].textContent) },
          ]),
      ),
    );
  const before = await snapshot();
  await page.waitForTimeout(watchSeconds * 1000);
  const after = await snapshot();
  let ticks = 0;
  let moved = 0;
  for (const [symbol, q] of Object.entries(after)) {
    const was = before[symbol];
    if (!was) continue;
    ticks += Math.max(0, q.seq - was.seq);
    if (q.price !== was.price) moved++;
  }
  const rows = Object.keys(after).length;
  check(
    "quotes tick",
    ticks >= rows && moved > 0,
    `${rows} symbols, ${ticks} ticks and ${moved} price changes in ${watchSeconds} s`,
  );
  const streamStatus = await page.locator("#stream-status").textContent();
  check("stream status is live", streamStatus === "live", streamStatus ?? "");
  const live = await page.locator("#index-live").textContent();
  check("live index level shown", /\d/.test(live ?? ""), live || "none");

  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);

  // Signing out closes the stream and offers the form again.
  const loggedOut = page.waitForResponse((res) => res.url().endsWith("/v1/auth/logout"), { timeout: 5_000 });
  await page.locator("#signout").click();
  const logout = await loggedOut.catch(() => null);
  const formBack = await page.locator("#login").isVisible();
  check("sign out offers the form again", formBack && logout?.status() === 204, `logout HTTP ${logout?.status()}`);

  check("no console errors", consoleErrors.length === 0, consoleErrors.join(" | "));
  check("no failed requests", failedRequests.length === 0, failedRequests.join(" | "));
  check("no CSP violations", cspViolations.length === 0, cspViolations.join(" | "));
  exitCode = results.every((r) => r.ok) ? 0 : 1;
} catch (err) {
  console.error(`FAIL dashboard check crashed: ${err.stack ?? err}`);
  if (/ERR_CONNECTION_REFUSED/.test(String(err))) console.error(`Is the server up at ${base}? (npm run dev)`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(exitCode === 0 ? "dashboard check passed" : "dashboard check FAILED");
process.exit(exitCode);
