// GET /v1/indexes/{id}/insights through the real app and D1: sentences from a built index, every quoted number
// in its figures, numbers that agree with the metrics and benchmark routes, data events since the build.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { upsertCorporateActions } from "../../src/db/market-events";
import { buildJob } from "../../src/services/index-builds";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, weekdays } from "../helpers/market";

const DAYS = weekdays("2023-01-02", 320);
let ids: Map<string, number>;
let owner: { id: string; token: string };

// AAA trends up and swings, so it outgrows the 40% cap; BBB and CCC are calmer; a dip around day 150.
const closeOf = {
  AAA: (i: number) => 100 * (1 + 0.002 * i) * (1 + 0.03 * Math.sin(i / 5)) * (i > 140 && i < 170 ? 0.85 : 1),
  BBB: (i: number) => 50 * (1 + 0.0005 * i) * (1 + 0.01 * Math.cos(i / 7)),
  CCC: (i: number) => 80 * (1 + 0.001 * i) * (1 + 0.015 * Math.sin(i / 11 + 1)),
  DDD: (i: number) => 30 * (1 + 0.0008 * i) * (1 + 0.012 * Math.cos(i / 3)),
  SPY: (i: number) => 400 * (1 + 0.0007 * i) * (1 + 0.008 * Math.sin(i / 9)),
};

const DEFINITION = {
  name: "Insightful",
  constituents: ["AAA", "BBB", "CCC", "DDD"],
  weighting: "price",
  max_weight: 0.4,
  rebalance: "monthly",
  base_date: DAYS[0],
  base_value: 1000,
  benchmark: "SPY",
};

async function built(json: Record<string, unknown> = DEFINITION, token = owner.token) {
  const created = await call("/v1/indexes", { method: "POST", token, json });
  expect(created.status).toBe(202);
  const stats = await buildJob(env, { index_id: created.body.id, version: created.body.version });
  expect(stats.outcome).toBe("ready");
  return created.body.id as string;
}

/** Text minus the dates and symbols it names; each number left must be the magnitude of a numeric figure. */
function unexplained(text: string, figures: Record<string, number | string>): string[] {
  let rest = text;
  for (const v of Object.values(figures)) if (typeof v === "string") rest = rest.replaceAll(v, "");
  const nums = Object.values(figures).filter((v): v is number => typeof v === "number");
  return (rest.match(/[0-9]+(\.[0-9]+)?/g) ?? []).filter((t) => !nums.some((n) => Math.abs(n) === Number(t)));
}

beforeAll(async () => {
  owner = await userToken();
  ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
    { symbol: "CCC", name: "Gamma" },
    { symbol: "DDD", name: "Delta" },
    { symbol: "SPY", name: "S&P 500 ETF", asset_class: "etf" },
  ]);
  for (const [symbol, f] of Object.entries(closeOf)) await insertBars(ids.get(symbol)!, DAYS, f);
});

describe("GET /v1/indexes/{id}/insights", () => {
  it("answers ranked sentences whose every number is in their figures", async () => {
    const id = await built();
    const r = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ index_id: id, version: 1, date: DAYS[DAYS.length - 1] });
    const items = r.body.items as Array<{
      kind: string;
      text: string;
      figures: Record<string, number | string>;
      importance: number;
      reworded: boolean;
    }>;
    const kinds = items.map((i) => i.kind);
    for (const k of [
      "risk_concentration",
      "drawdown",
      "tracking",
      "binding_caps",
      "turnover",
      "regime",
      "volatility_forecast",
      "data_events",
    ])
      expect(kinds).toContain(k);
    for (const item of items) {
      expect(unexplained(item.text, item.figures), item.text).toEqual([]);
      expect(item.reworded).toBe(false); // no AI binding in tests
    }
    const importance = items.map((i) => i.importance);
    expect([...importance].sort((a, b) => b - a)).toEqual(importance);
    expect(r.headers.get("etag")).toBeTruthy();
  });

  it("agrees with the metrics, benchmark and rebalances routes", async () => {
    const id = await built();
    const { body } = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    const byKind = (k: string) => body.items.find((i: { kind: string }) => i.kind === k);
    const metrics = (await call(`/v1/indexes/${id}/metrics?window=all`, { token: owner.token })).body;
    const bench = (await call(`/v1/indexes/${id}/benchmark`, { token: owner.token })).body;
    const rebalances = (await call(`/v1/indexes/${id}/rebalances?limit=100`, { token: owner.token })).body.data;
    const one = (x: number) => Math.round(x * 1000) / 10;

    expect(byKind("drawdown")!.figures.depth_pct).toBe(one(-metrics.max_drawdown!));
    expect(byKind("drawdown")!.figures.peak_date).toBe(metrics.max_drawdown_start);
    expect(byKind("drawdown")!.figures.trough_date).toBe(metrics.max_drawdown_end);
    expect(byKind("tracking")!.figures).toMatchObject({
      benchmark: "SPY",
      index_return_pct: one(bench.metrics.index_return!),
      benchmark_return_pct: one(bench.metrics.benchmark_return!),
      tracking_error_pct: one(bench.metrics.tracking_error!),
    });
    // The cap binds where a raw weight was above 40%; counted here from the stored rebalances.
    const capped = rebalances.filter((r: { weights_before: Record<string, number> }) =>
      Object.values(r.weights_before).some((w) => w > 0.4 + 1e-9),
    ).length;
    expect(capped).toBeGreaterThan(0);
    expect(byKind("binding_caps")!.figures).toMatchObject({
      max_weight_pct: 40,
      capped_rebalances: capped,
      rebalances: rebalances.length,
    });
    const later = rebalances.slice(1);
    const avg = later.reduce((a: number, r: { turnover: number }) => a + r.turnover, 0) / later.length;
    expect(byKind("turnover")!.figures.average_turnover_pct).toBe(one(avg));
  });

  it("quotes the risk route's contributions in its risk sentence (one computation)", async () => {
    const id = await built();
    const { body } = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    const risk = (await call(`/v1/indexes/${id}/risk`, { token: owner.token })).body;
    const one = (x: number) => Math.round(x * 1000) / 10;
    const ranked = [...risk.contributions].sort(
      (a: { contribution_pct: number }, b: { contribution_pct: number }) => b.contribution_pct - a.contribution_pct,
    );
    const top = ranked[0];
    const sentence = body.items.find((i: { kind: string }) => i.kind === "risk_concentration");
    expect(sentence!.figures).toMatchObject({
      symbol: top!.symbol,
      risk_share_pct: one(top!.contribution_pct),
      weight_pct: one(top!.weight),
      top_symbol_1: ranked[0]!.symbol,
      top_symbol_2: ranked[1]!.symbol,
      top_symbol_3: ranked[2]!.symbol,
      // 320 sessions of history: the whole 252-session lookback of the risk route.
      sessions: risk.lookback_days,
    });
  });

  it("names a split recorded after the build until a new version takes it in", async () => {
    const id = await built();
    const before = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    const quiet = before.body.items.find((i: { kind: string }) => i.kind === "data_events");
    expect(quiet!.text).toMatch(
      /^No split, dividend or revised bar of a constituent has been recorded since version 1/,
    );
    await upsertCorporateActions(
      env.DB,
      [{ assetId: ids.get("DDD")!, kind: "split", date: DAYS[319]!, ratio: 3 }],
      "test",
    );
    // A new version is what drops the cached answer; the same version would keep it for CACHE_TTL_SECONDS.
    const rebuilt = await call(`/v1/indexes/${id}/rebuild`, { method: "POST", token: owner.token });
    expect(rebuilt.status).toBe(202);
    // Read while v2 is building: v1 is still the ready version, and it has not taken in the split.
    const r = await call(`/v1/indexes/${id}/insights`, { token: owner.token });
    const event = r.body.items.find((i: { kind: string }) => i.kind === "data_events");
    expect(event!.text).toContain(`DDD split with ratio 3 on ${DAYS[319]}`);
    expect(event!.figures).toMatchObject({ version: 1, corporate_actions: 1, event_1_symbol: "DDD", event_1_ratio: 3 });
    expect(r.body.items[0]!.kind).toBe("data_events");
  });

  it("is 409 before the first build, 404 for another user's index, 400 for an unknown parameter", async () => {
    const created = await call("/v1/indexes", { method: "POST", token: owner.token, json: DEFINITION });
    const early = await call(`/v1/indexes/${created.body.id}/insights`, { token: owner.token });
    expect(early.status).toBe(409);
    expect(early.problem.code).toBe("conflict");
    const stranger = await userToken();
    const other = await call(`/v1/indexes/${created.body.id}/insights`, { token: stranger.token });
    expect(other.status).toBe(404);
    const unknown = await call(`/v1/indexes/${created.body.id}/insights?colour=red`, { token: owner.token });
    expect(unknown.status).toBe(400);
    expect(unknown.problem.errors).toEqual([{ path: "colour", message: "not allowed" }]);
  });
});
