// GET /v1/indexes/{id}/report through the real app: one HTML page with server-drawn SVG charts, the metrics,
// insights and methodology, under a CSP that allows only its own inline stylesheet; also an MCP resource.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { drawdownSeries, escapeXml, lineChart, niceTicks } from "../../src/domain/report-charts";
import { buildJob } from "../../src/services/index-builds";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, weekdays } from "../helpers/market";
import { connectMcp } from "../helpers/mcp";

const DAYS = weekdays("2023-01-02", 300);
let owner: { id: string; token: string };
let id: string;

const DEFINITION = {
  name: "Report <&> Test",
  constituents: ["AAA", "BBB", "CCC"],
  weighting: "equal",
  max_weight: 0.5,
  rebalance: "monthly",
  base_date: DAYS[0],
  base_value: 1000,
  benchmark: "SPY",
};

beforeAll(async () => {
  owner = await userToken();
  const ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
    { symbol: "CCC", name: "Gamma" },
    { symbol: "SPY", name: "S&P 500 ETF", asset_class: "etf" },
  ]);
  await insertBars(ids.get("AAA")!, DAYS, (i) => 100 * (1 + 0.002 * i) * (1 + 0.03 * Math.sin(i / 6)));
  await insertBars(ids.get("BBB")!, DAYS, (i) => 40 * (1 + 0.001 * i) * (1 + 0.01 * Math.cos(i / 4)));
  await insertBars(ids.get("CCC")!, DAYS, (i) => 70 * (1 - 0.0005 * i) * (1 + 0.02 * Math.sin(i / 9 + 2)));
  await insertBars(ids.get("SPY")!, DAYS, (i) => 400 * (1 + 0.0008 * i) * (1 + 0.01 * Math.sin(i / 10)));
  const created = await call("/v1/indexes", { method: "POST", token: owner.token, json: DEFINITION });
  id = created.body.id;
  expect((await buildJob(env, { index_id: id, version: 1 })).outcome).toBe("ready");
});

async function sha256Base64(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(d)));
}

describe("GET /v1/indexes/{id}/report", () => {
  it("is one HTML page with four non-empty SVG charts, the metrics, insights and methodology", async () => {
    const r = await call(`/v1/indexes/${id}/report`, { token: owner.token });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/html");
    const html = r.text;
    const charts = [...html.matchAll(/<svg[^>]*data-chart="([a-z]+)"/g)].map((m) => m[1]);
    expect(charts).toEqual(["line", "drawdown", "bars", "bars"]);
    // The level chart draws the index and SPY over every session.
    const paths = [
      ...html.matchAll(/<path d="([^"]+)" fill="none" stroke="[^"]+" stroke-width="1.6" data-series="([^"]+)"/g),
    ];
    expect(paths.map((p) => p[2])).toEqual([escapeXml(DEFINITION.name), "SPY"]);
    for (const p of paths) expect(p[1]!.split("L")).toHaveLength(DAYS.length);
    expect(html.match(/<rect [^>]*data-value=/g)).toHaveLength(6); // 3 weights + 3 risk shares
    expect(html).toContain("<h1>Report &lt;&amp;&gt; Test</h1>");
    const insights = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    for (const item of insights.body.items) expect(html).toContain(escapeXml(item.text));
    expect(html).toContain("<td>Max drawdown</td>");
    expect(html).toContain("Constituents (3): AAA, BBB, CCC");
    expect(html).toContain("Methodology hash");
  });

  it("states the methodology hash and data_as_of of the version it reports, as the versions route lists them", async () => {
    const versions = await call(`/v1/indexes/${id}/versions`, { token: owner.token });
    const v1 = versions.body.data.find((v: { version: number }) => v.version === 1);
    expect(v1!.methodology_hash).toMatch(/^[0-9a-f]{16,}$/);
    expect(v1!.data_as_of).toEqual(expect.any(String));
    const html = (await call(`/v1/indexes/${id}/report`, { token: owner.token })).text;
    expect(html).toContain(`<dd>${v1!.methodology_hash}</dd>`);
    expect(html).toContain(`<dd>${escapeXml(v1!.data_as_of!)}</dd>`);
    expect(html).not.toContain("not recorded for this version");
    expect(html).not.toContain("(build time)");
  });

  it("draws the risk route's contributions as the share-of-risk bars", async () => {
    const risk = await call(`/v1/indexes/${id}/risk`, { token: owner.token });
    expect(risk.status).toBe(200);
    const html = (await call(`/v1/indexes/${id}/report`, { token: owner.token })).text;
    const riskChart = html.slice(html.indexOf("Share of risk"));
    const drawn = [...riskChart.matchAll(/<rect [^>]*data-value="([^"]+)"/g)].map((m) => Number(m[1]));
    const expected = risk.body.contributions
      .map((c: { contribution_pct: number }) => c.contribution_pct)
      .sort((a: number, b: number) => b - a);
    expect(drawn).toHaveLength(expected.length);
    for (const [k, v] of drawn.entries()) expect(v).toBeCloseTo(expected[k]!, 6);
  });

  it("carries a CSP that allows exactly its inline stylesheet, and no script or style attribute", async () => {
    const r = await call(`/v1/indexes/${id}/report`, { token: owner.token });
    const csp = r.headers.get("content-security-policy")!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(r.text)![1]!;
    expect(csp).toContain(`style-src 'sha256-${await sha256Base64(style)}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(r.text).not.toMatch(/<script|\sstyle="/);
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    // Every other /v1 answer is JSON, never a page: its policy allows nothing.
    const other = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    expect(other.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("answers 304 to its ETag, 404 to a stranger, 409 while the first build runs", async () => {
    const first = await call(`/v1/indexes/${id}/report`, { token: owner.token });
    const again = await call(`/v1/indexes/${id}/report`, {
      token: owner.token,
      headers: { "if-none-match": first.headers.get("etag")! },
    });
    expect(again.status).toBe(304);
    const stranger = await userToken();
    expect((await call(`/v1/indexes/${id}/report`, { token: stranger.token })).status).toBe(404);
    const building = await call("/v1/indexes", { method: "POST", token: owner.token, json: DEFINITION });
    const early = await call(`/v1/indexes/${building.body.id}/report`, { token: owner.token });
    expect(early.status).toBe(409);
    expect(early.headers.get("content-type")).toContain("application/problem+json");
  });

  it("is the report resource of the MCP server", async () => {
    const client = await connectMcp({ token: owner.token });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(`edgeindex://indexes/${id}/report`);
    const read = await client.readResource({ uri: `edgeindex://indexes/${id}/report` });
    expect(read.contents[0]).toMatchObject({ mimeType: "text/html" });
    expect((read.contents[0] as { text: string }).text).toContain('data-chart="drawdown"');
    await client.close();
  });
});

describe("chart drawing (pure)", () => {
  it("puts round ticks over the range", () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-0.23, 0)).toEqual([-0.2, -0.15, -0.1, -0.05, 0]);
  });

  it("computes the drawdown from the running peak", () => {
    const d = drawdownSeries([
      { date: "a", value: 100 },
      { date: "b", value: 120 },
      { date: "c", value: 90 },
      { date: "d", value: 130 },
    ]);
    expect(d.map((p) => p.value)).toEqual([0, 0, 90 / 120 - 1, 0]);
  });

  it("maps the first and last points to the plot's corners", () => {
    // 720 × 260 with padding left 56, right 16, top 16, bottom 36: (0, 10) → (56, 224), (1, 20) → (704, 16).
    const svg = lineChart(
      "t",
      [
        {
          name: "s",
          colour: "#000",
          points: [
            { date: "a", value: 10 },
            { date: "b", value: 20 },
          ],
        },
      ],
      String,
    );
    expect(svg).toContain('d="M56,224L704,16"');
  });
});
