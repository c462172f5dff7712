// Which days a metrics window used (start, end, observations, window_truncated), a benchmark's partial coverage,
// and benchmark answers that follow the benchmark's data (no stale series after it is deleted).
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildJob } from "../../src/services/index-builds";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, weekdays } from "../helpers/market";

let owner: { id: string; token: string };
let admin: string;
let id: string;
const DAYS = weekdays("2024-01-02", 520); // just under two years from 2024-01-02
const LAST = DAYS.at(-1)!;
const BENCH_FROM = 100;

beforeAll(async () => {
  owner = await userToken();
  admin = (await userToken("admin")).token;
  const ids = await insertAssets([
    { symbol: "MWA", name: "Window A" },
    { symbol: "MWB", name: "Window B" },
    { symbol: "BMK", name: "Late benchmark", asset_class: "etf" },
  ]);
  await insertBars(ids.get("MWA")!, DAYS, (i) => 100 * (1 + 0.02 * Math.sin(i / 7)) + i * 0.1);
  await insertBars(ids.get("MWB")!, DAYS, (i) => 50 * (1 + 0.03 * Math.cos(i / 11)) + i * 0.02);
  // The benchmark starts trading 100 sessions after the index's base date.
  await insertBars(ids.get("BMK")!, DAYS.slice(BENCH_FROM), (i) => 200 * (1 + 0.01 * Math.sin(i / 5)) + i * 0.05);
  const created = await call("/v1/indexes", {
    method: "POST",
    token: owner.token,
    json: {
      name: "Two years",
      constituents: ["MWA", "MWB"],
      weighting: "equal",
      rebalance: "quarterly",
      base_date: DAYS[0],
      benchmark: "BMK",
    },
  });
  id = created.body.id;
  expect((await buildJob(env, { index_id: id, version: 1 })).outcome).toBe("ready");
});

describe("metrics window coverage", () => {
  it("says a 3y or 5y window on a two-year index was truncated, and equals the whole history", async () => {
    const all = await call(`/v1/indexes/${id}/metrics?window=all`, { token: owner.token });
    expect(all.body).toMatchObject({ start: DAYS[0], end: LAST, observations: 519, window_truncated: false });
    for (const window of ["3y", "5y"]) {
      const r = await call(`/v1/indexes/${id}/metrics?window=${window}`, { token: owner.token });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ start: DAYS[0], end: LAST, observations: 519, window_truncated: true });
      expect(r.body.total_return).toBe(all.body.total_return);
    }
  });

  it("starts 1y at the last session on or before the same day a year earlier, untruncated", async () => {
    const anchor = `${Number(LAST.slice(0, 4)) - 1}${LAST.slice(4)}`;
    const start = DAYS.filter((d) => d <= anchor).at(-1)!;
    const used = DAYS.filter((d) => d >= start).length;
    const r = await call(`/v1/indexes/${id}/metrics?window=1y`, { token: owner.token });
    expect(r.body).toMatchObject({ start, end: LAST, observations: used - 1, window_truncated: false });
    const ytd = await call(`/v1/indexes/${id}/metrics?window=ytd`, { token: owner.token });
    const yearEnd = DAYS.filter((d) => d <= `${Number(LAST.slice(0, 4)) - 1}-12-31`).at(-1);
    expect(ytd.body).toMatchObject({ start: yearEnd, window_truncated: false });
  });
});

describe("benchmark coverage and data version", () => {
  it("names partial coverage: the benchmark starts after the index", async () => {
    const metrics = await call(`/v1/indexes/${id}/metrics?window=all`, { token: owner.token });
    expect(metrics.body).toMatchObject({
      benchmark_used: "BMK",
      coverage_start: DAYS[BENCH_FROM],
      coverage_end: LAST,
      partial_coverage: true,
    });
    const bench = await call(`/v1/indexes/${id}/benchmark`, { token: owner.token });
    expect(bench.body).toMatchObject({
      benchmark_used: "BMK",
      coverage_start: DAYS[BENCH_FROM],
      partial_coverage: true,
      start: DAYS[BENCH_FROM],
    });
    // a 1y window lies inside the benchmark's history: full coverage
    const year = await call(`/v1/indexes/${id}/metrics?window=1y`, { token: owner.token });
    expect(year.body.partial_coverage).toBe(false);
  });

  it("stops answering with a benchmark once it is deleted: metrics, /benchmark, risk, insights (no stale cache)", async () => {
    const before = await call(`/v1/indexes/${id}/benchmark`, { token: owner.token });
    expect(before.status).toBe(200);
    const warm = await call(`/v1/indexes/${id}/metrics?window=all`, { token: owner.token });
    expect(warm.body.beta).not.toBeNull();
    const risk = await call(`/v1/indexes/${id}/risk`, { token: owner.token });
    expect(risk.status).toBe(200);
    expect(risk.body.factors.market_beta).not.toBeNull();
    const insights = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    expect(insights.body.items.map((i: { kind: string }) => i.kind)).toContain("tracking");
    expect((await call("/v1/assets/BMK", { method: "DELETE", token: admin })).status).toBe(204);
    const after = await call(`/v1/indexes/${id}/benchmark`, { token: owner.token });
    expect(after.status).toBe(422); // no benchmark candidate (BMK, SPY, IVV, VOO, ^GSPC) has data
    const metrics = await call(`/v1/indexes/${id}/metrics?window=all`, { token: owner.token });
    expect(metrics.body).toMatchObject({
      benchmark_used: null,
      beta: null,
      coverage_start: null,
      partial_coverage: false,
    });
    const riskAfter = await call(`/v1/indexes/${id}/risk`, { token: owner.token });
    expect(riskAfter.body.factors.market_beta).toBeNull();
    const insightsAfter = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    expect(insightsAfter.body.items.map((i: { kind: string }) => i.kind)).not.toContain("tracking");
  });
});
