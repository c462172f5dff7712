// The index report in a real browser: its four charts are drawn (non-empty SVG), nothing breaks the CSP,
// nothing leaves the machine, and it prints to a PDF.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { demoToken, launchBrowser, offlineContext, startServer } from "./harness.mjs";

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the demo index's report draws its charts and prints to PDF", async () => {
  const token = await demoToken(server.base);
  const list = await (
    await fetch(`${server.base}/v1/indexes`, { headers: { authorization: `Bearer ${token}` } })
  ).json();
  const demo = list.data.find((i) => i.status === "ready");
  assert.ok(demo, "the seeded demo index is ready");

  const { context, escaped } = await offlineContext(browser, {
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  const res = await page.goto(`${server.base}/v1/indexes/${demo.id}/report`);
  assert.equal(res.status(), 200);

  const charts = await page.$$eval("svg[data-chart]", (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const drawn = [...svg.querySelectorAll("path, rect")]
        .map((el) => el.getBBox())
        .filter((b) => b.width > 0 || b.height > 0);
      return { kind: svg.dataset.chart, width: box.width, height: box.height, drawn: drawn.length };
    }),
  );
  assert.deepEqual(
    charts.map((c) => c.kind),
    ["line", "drawdown", "bars", "bars"],
  );
  for (const c of charts) {
    assert.ok(c.width > 100 && c.height > 50, `${c.kind} chart has a size (${c.width}×${c.height})`);
    assert.ok(c.drawn > 0, `${c.kind} chart draws something`);
  }
  // The stylesheet applied (the CSP hash matched): the charts' container has the report's width cap.
  const width = await page.$eval("main", (m) => getComputedStyle(m).maxWidth);
  assert.equal(width, "820px");
  assert.deepEqual(problems, [], "no console error or CSP violation");
  assert.deepEqual(escaped, [], "no request left the machine");

  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
  assert.ok(pdf.length > 20_000, `a real PDF (${pdf.length} bytes)`);
  mkdirSync("bench/.out", { recursive: true });
  writeFileSync("bench/.out/report.pdf", pdf);
  await page.screenshot({ path: "bench/.out/report.png", fullPage: true });
  await context.close();
});
