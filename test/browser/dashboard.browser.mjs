// The dashboard in a real browser, every request off the loopback refused: sign in; the level-against-benchmark
// and drawdown charts are drawn; metrics, allocations and rebalances are filled from their routes; a live quote
// changes and its colour agrees with its change; an index is created, shown ready, edited and deleted through
// the UI, with the API's validation messages beside the fields; at 390 px nothing scrolls sideways.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { demoToken, launchBrowser, offlineContext, startServer } from "./harness.mjs";

const SHOTS = "bench/.out";
let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(path, init = {}) {
  const token = await demoToken(server.base);
  const r = await fetch(`${server.base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  return { status: r.status, body: r.status === 204 ? null : await r.json() };
}

/** A signed-in dashboard page; `problems` collects console errors, page errors and CSP reports. */
async function signedIn(options = {}) {
  const { context, escaped } = await offlineContext(browser, options);
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${server.base}/`);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#board:not([hidden])");
  await page.waitForFunction(() => document.querySelector("#index-meta")?.textContent.includes("idx_"));
  return { context, page, problems, escaped };
}

/** Pixels a canvas has drawn (alpha > 0): an empty chart has none beyond its axes' few. */
const inkOf = (page, selector) =>
  page.$$eval(`${selector} canvas`, (canvases) =>
    canvases.map((c) => {
      const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return { n, width: c.width, height: c.height };
    }),
  );

const horizontalOverflow = (page) =>
  page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));

test("signed in, the demo index shows level against benchmark, drawdown, metrics, allocations and rebalances", async () => {
  const list = await api("/v1/indexes");
  const demo = list.body.data.find((i) => i.status === "ready");
  assert.ok(demo, "the seeded demo index is ready");
  const rebalances = await api(`/v1/indexes/${demo.id}/rebalances?limit=100`);
  const allocations = await api(`/v1/indexes/${demo.id}/allocations`);

  const { context, page, problems, escaped } = await signedIn({ viewport: { width: 1100, height: 900 } });
  await page.selectOption("#index-picker", demo.id);
  await page.waitForSelector("#level-chart .uplot");
  await page.waitForSelector("#drawdown-chart .uplot");
  await page.waitForFunction(() => document.querySelectorAll("#rebalances tr").length > 0);

  const levels = await page.$eval("#level-chart .uplot", (el) => ({
    points: Number(el.dataset.points),
    legend: [...el.querySelectorAll(".u-legend .u-series th")].map((th) => th.textContent.trim()),
  }));
  const values = await api(`/v1/indexes/${demo.id}/values?limit=1000`);
  assert.ok(levels.points > 500, `the level chart has every day (${levels.points})`);
  assert.ok(levels.legend.includes("Index") && levels.legend.includes(demo.benchmark_used), `legend ${levels.legend}`);
  assert.ok(values.body.data.length > 500);
  for (const selector of ["#level-chart", "#drawdown-chart"]) {
    const [plot] = (await inkOf(page, selector)).filter((c) => c.width > 0);
    assert.ok(plot.n > 2000, `${selector} drew lines (${plot.n} pixels)`);
  }

  const metrics = await page.$$eval("#metrics dd", (dds) =>
    Object.fromEntries(dds.map((d) => [d.dataset.metric, d.textContent])),
  );
  const expected = await api(`/v1/indexes/${demo.id}/metrics?window=all`);
  assert.equal(metrics.total_return, `${(expected.body.total_return * 100).toFixed(2)}%`);
  assert.equal(metrics.sharpe, expected.body.sharpe.toFixed(2));
  assert.equal(metrics.max_drawdown, `${(expected.body.max_drawdown * 100).toFixed(2)}%`);

  const allocationRows = await page.$$eval("#allocations tr", (rows) => rows.map((r) => r.children[0].textContent));
  assert.deepEqual(allocationRows.sort(), allocations.body.weights.map((w) => w.symbol).sort());
  const rebalanceRows = await page.$$eval("#rebalances tr", (rows) => rows.map((r) => r.children[0].textContent));
  assert.equal(rebalanceRows.length, rebalances.body.data.length);
  assert.equal(rebalanceRows.at(-1), rebalances.body.data[0].date, "oldest last: the list is newest first");

  await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });
  assert.deepEqual(problems, [], "no console error or CSP violation");
  assert.deepEqual(escaped, [], "no request left the machine");
  await context.close();
});

test("a live quote changes, and its colour follows its change against the previous close", async () => {
  const { context, page, problems } = await signedIn();
  await page.waitForSelector("#stream-status:text('live')");
  const first = await page.waitForFunction(() => {
    const row = document.querySelector("#quotes tr[data-direction]");
    return row && { symbol: row.dataset.symbol, seq: Number(row.children[3].textContent) };
  });
  const { symbol, seq } = await first.jsonValue();
  await page.waitForFunction(
    ([s, n]) => Number(document.querySelector(`#quotes tr[data-symbol="${s}"]`).children[3].textContent) > n,
    [symbol, seq],
    { timeout: 15_000 },
  );
  const rows = await page.$$eval("#quotes tr[data-direction]", (trs) =>
    trs.map((tr) => ({
      change: tr.children[2].textContent,
      price: tr.children[1].className,
      dir: tr.dataset.direction,
    })),
  );
  assert.ok(rows.length > 0);
  for (const r of rows) {
    const pct = Number.parseFloat(r.change);
    const want = pct > 0 ? "up" : pct < 0 ? "down" : "";
    // A change that rounds to ±0.00 may still carry its sign's colour; otherwise they must agree.
    if (Math.abs(pct) >= 0.01) assert.equal(r.price, want, `price colour of ${JSON.stringify(r)}`);
    assert.equal(r.price, r.dir);
  }
  // The index's live level is compared with its previous session's level, and coloured by that change.
  await page.waitForFunction(() =>
    /^live [\d.]+ \([-+][\d.]+%\)$/.test(document.querySelector("#index-live").textContent),
  );
  const level = await page.$eval("#index-live", (el) => ({ text: el.textContent, className: el.className }));
  const change = Number.parseFloat(level.text.match(/\(([-+][\d.]+)%\)/)[1]);
  if (Math.abs(change) >= 0.01) assert.ok(level.className.includes(change > 0 ? "up" : "down"), JSON.stringify(level));
  assert.deepEqual(problems, []);
  await context.close();
});

test("create an index through the form: validation beside the fields, then built, edited and deleted", async () => {
  const { context, page, problems, escaped } = await signedIn();
  page.on("dialog", (d) => d.accept());
  const name = `Browser check ${Date.now()}`;

  await page.click("#new-index");
  await page.fill("#index-form [name=name]", name);
  await page.fill("#index-form [name=constituents]", "AAPL, MSFT, ZZZZQ");
  await page.selectOption("#index-form [name=weighting]", "equal");
  await page.click("#index-save");
  await page.waitForFunction(() => document.querySelector('[data-field="constituents"]').textContent.length > 0);
  assert.match(await page.textContent('[data-field="constituents"]'), /ZZZZQ/);

  await page.fill("#index-form [name=constituents]", "AAPL, MSFT");
  await page.fill("#index-form [name=max_weight]", "0.2");
  await page.click("#index-save");
  await page.waitForFunction(() => document.querySelector('[data-field="max_weight"]').textContent.length > 0);
  assert.match(await page.textContent('[data-field="max_weight"]'), /max_weight 0\.2/);
  assert.equal(await page.textContent('[data-field="constituents"]'), "", "the fixed field's message is gone");

  await page.fill("#index-form [name=max_weight]", "");
  await page.fill("#index-form [name=base_date]", "2024-03-01");
  await page.click("#index-save");
  await page.waitForSelector("#index-editor", { state: "hidden" });
  await page.waitForFunction((n) => document.querySelector("#index-title").textContent === n, name);
  await page.waitForSelector('#index-meta[data-status="ready"]', { timeout: 120_000 });
  await page.waitForSelector("#level-chart .uplot");
  const mine = (await api("/v1/indexes?limit=100")).body.data.find((i) => i.name === name);
  assert.ok(mine, "the API lists the new index");
  assert.equal(mine.weighting, "equal");
  assert.deepEqual(mine.constituents, ["AAPL", "MSFT"]);
  const option = await page.$eval("#index-picker", (s) => s.selectedOptions[0].textContent);
  assert.ok(option.includes(mine.id.slice(-6)) && option.includes(mine.created_at.slice(0, 10)), option);

  await page.click("#edit-index");
  assert.equal(await page.inputValue("#index-form [name=constituents]"), "AAPL, MSFT");
  await page.fill("#index-form [name=name]", `${name} v2`);
  await page.fill("#index-form [name=constituents]", "AAPL, MSFT, NVDA");
  await page.click("#index-save");
  await page.waitForFunction((n) => document.querySelector("#index-title").textContent === n, `${name} v2`);
  await page.waitForFunction(
    () => /version 2\b.*status ready/.test(document.querySelector("#index-meta").textContent),
    {
      timeout: 120_000,
    },
  );
  const edited = await api(`/v1/indexes/${mine.id}`);
  assert.equal(edited.body.version, 2);
  assert.deepEqual(edited.body.constituents, ["AAPL", "MSFT", "NVDA"]);

  await page.click("#delete-index");
  // The two refused creates are logged by the browser as failed loads; anything else is a problem.
  const refused = problems.filter((p) => /status of 422/.test(p));
  assert.equal(refused.length, 2);
  problems.splice(0, problems.length, ...problems.filter((p) => !refused.includes(p)));
  await page.waitForFunction(
    (id) => ![...document.querySelectorAll("#index-picker option")].some((o) => o.value === id),
    mine.id,
  );
  assert.equal((await api(`/v1/indexes/${mine.id}`)).status, 404);
  assert.deepEqual(problems, []);
  assert.deepEqual(escaped, []);
  await context.close();
});

test("at 390 px wide nothing scrolls sideways, with the charts drawn and the editor open", async () => {
  const { context, page, problems } = await signedIn({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  await page.waitForSelector("#level-chart .uplot");
  await page.waitForFunction(() => document.querySelectorAll("#rebalances tr").length > 0);
  let o = await horizontalOverflow(page);
  assert.ok(o.scroll <= 390, `page is ${o.scroll} px wide at 390`);
  const chart = await page.$eval("#level-chart .uplot", (el) => el.getBoundingClientRect().width);
  assert.ok(chart > 250 && chart <= 390, `the chart fits (${chart} px)`);
  await page.click("#new-index");
  o = await horizontalOverflow(page);
  assert.ok(o.scroll <= 390, `with the editor open, page is ${o.scroll} px wide`);
  await page.screenshot({ path: `${SHOTS}/dashboard-390.png`, fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
