// Risk reads through the real app and D1: extended and rolling metrics, the risk model, stress, patterns, forecasts.
import { env } from "cloudflare:test";
import * as ss from "simple-statistics";
import { beforeAll, describe, expect, it } from "vitest";
import { buildJob } from "../../src/services/index-builds";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, weekdays } from "../helpers/market";

let owner: { id: string; token: string };
let indexId: string;
const DAYS = weekdays("2023-01-02", 420);
const wiggle = (k: number) => (i: number) =>
  60 + 5 * k + (2 + k) * Math.sin(i / (4 + k)) + 1.5 * Math.cos(i / (1.7 + 0.2 * k)) + 0.02 * i;

beforeAll(async () => {
  owner = await userToken();
  const ids = await insertAssets([
    { symbol: "RKA", name: "A", sector: "Technology" },
    { symbol: "RKB", name: "B", sector: "Technology" },
    { symbol: "RKC", name: "C", sector: "Energy" },
    { symbol: "RKD", name: "D", sector: "Utilities" },
    { symbol: "SPY", name: "S&P 500 ETF", asset_class: "etf" },
  ]);
  for (const [k, s] of ["RKA", "RKB", "RKC", "RKD", "SPY"].entries())
    await insertBars(ids.get(s) as number, DAYS, wiggle(k));
  const created = await call("/v1/indexes", {
    method: "POST",
    token: owner.token,
    json: {
      name: "Risk test",
      constituents: ["RKA", "RKB", "RKC", "RKD"],
      weighting: "risk_parity",
      lookback_days: 63,
      rebalance: "monthly",
      base_date: "2023-06-01",
      base_value: 1000,
      benchmark: "SPY",
    },
  });
  expect(created.status).toBe(202);
  indexId = created.body.id;
  expect((await buildJob(env, { index_id: indexId, version: 1 })).outcome).toBe("ready");
});

async function indexReturns(): Promise<{ dates: string[]; values: number[]; returns: number[] }> {
  const res = await call(`/v1/indexes/${indexId}/values?limit=1000`, { token: owner.token });
  const values = res.body.data.map((p: { value: number }) => p.value) as number[];
  return {
    dates: res.body.data.map((p: { date: string }) => p.date),
    values,
    returns: values.slice(1).map((v, i) => v / (values[i] as number) - 1),
  };
}

describe("metrics v1.1", () => {
  it("adds the tail, shape and capture fields, recomputable from the index's own values", async () => {
    const res = await call(`/v1/indexes/${indexId}/metrics`, { token: owner.token });
    expect(res.status).toBe(200);
    const { returns } = await indexReturns();
    expect(res.body.hit_rate).toBeCloseTo(returns.filter((r) => r > 0).length / returns.length, 12);
    expect(res.body.best_day).toBeCloseTo(Math.max(...returns), 12);
    expect(res.body.skew).toBeCloseTo(ss.sampleSkewness(returns), 8);
    expect(res.body.kurtosis).toBeCloseTo(ss.sampleKurtosis(returns), 8);
    expect(res.body.calmar).toBeCloseTo(res.body.cagr! / res.body.max_drawdown!, 10);
    expect(res.body.r_squared).toBeCloseTo(res.body.correlation! ** 2, 10);
    for (const k of [
      "omega",
      "treynor",
      "up_capture",
      "down_capture",
      "downside_beta",
      "var_99",
      "cvar_99",
      "var_95_parametric",
      "var_95_cornish_fisher",
      "annual_turnover",
    ] as const) {
      expect(typeof res.body[k]).toBe("number");
    }
  });

  it("serves a rolling volatility equal to the sample sd of each 63-return window × √252", async () => {
    const res = await call(`/v1/indexes/${indexId}/metrics/rolling?metric=volatility&window=63`, {
      token: owner.token,
    });
    expect(res.status).toBe(200);
    const { dates, returns } = await indexReturns();
    expect(res.body.data).toHaveLength(returns.length - 62);
    const k = 10;
    expect(res.body.data[k]!.date).toBe(dates[k + 63]);
    expect(res.body.data[k]!.value).toBeCloseTo(
      ss.sampleStandardDeviation(returns.slice(k, k + 63)) * Math.sqrt(252),
      9,
    );
  });

  it("refuses an unknown rolling metric or window, naming the field", async () => {
    const bad = await call(`/v1/indexes/${indexId}/metrics/rolling?metric=sortino&window=50`, { token: owner.token });
    expect(bad.status).toBe(400);
    expect(bad.problem.errors!.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["metric", "window"]),
    );
  });
});

describe("risk model", () => {
  it("splits the variance into contributions that sum to 1, with factor and forecast fields", async () => {
    const res = await call(`/v1/indexes/${indexId}/risk`, { token: owner.token });
    expect(res.status).toBe(200);
    const sum = res.body.contributions.reduce(
      (a: number, c: { contribution_pct: number }) => a + c.contribution_pct,
      0,
    );
    expect(sum).toBeCloseTo(1, 10);
    const weights = res.body.contributions.reduce((a: number, c: { weight: number }) => a + c.weight, 0);
    expect(weights).toBeCloseTo(1, 10);
    // Euler: Σ w_i × marginal_i = portfolio volatility.
    const euler = res.body.contributions.reduce(
      (a: number, c: { weight: number; marginal: number }) => a + c.weight * c.marginal,
      0,
    );
    expect(euler).toBeCloseTo(res.body.volatility, 10);
    expect(res.body.volatility_forecast.ewma).toMatchObject({ model: "ewma", lambda: 0.94 });
    expect(res.body.factors.benchmark_used).toBe("SPY");
    expect(res.body.factors.sector_weights.Technology).toBeGreaterThan(0);
    expect(res.body.factors.pca.length).toBeGreaterThan(0);
    expect(res.body.r_squared).toBeGreaterThanOrEqual(0);
    expect(res.body.r_squared).toBeLessThanOrEqual(1);
  });
});

describe("stress", () => {
  it("gives exactly the shock when every holding is shocked alike", async () => {
    const res = await call(`/v1/indexes/${indexId}/stress`, {
      method: "POST",
      token: owner.token,
      json: { scenarios: [{ name: "all down", shocks: { symbols: { RKA: -0.1, RKB: -0.1, RKC: -0.1, RKD: -0.1 } } }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]!.index_return).toBeCloseTo(-0.1, 12);
  });

  it("replays the index's worst 5-, 20- and 60-session windows and the benchmark's worst drawdown", async () => {
    const res = await call(`/v1/indexes/${indexId}/stress`, { method: "POST", token: owner.token, json: {} });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { name: string }) => r.name)).toEqual([
      "worst_5_sessions",
      "worst_20_sessions",
      "worst_60_sessions",
      "benchmark_worst_drawdown",
    ]);
    const { dates, values } = await indexReturns();
    let worst = Number.POSITIVE_INFINITY;
    for (let i = 5; i < values.length; i++)
      worst = Math.min(worst, (values[i] as number) / (values[i - 5] as number) - 1);
    expect(res.body.results[0]!.realised_return).toBeCloseTo(worst, 12);
    expect(dates).toContain(res.body.results[0]!.start);
  });

  it("refuses a shock below −100%, naming the field", async () => {
    const res = await call(`/v1/indexes/${indexId}/stress`, {
      method: "POST",
      token: owner.token,
      json: { scenarios: [{ name: "x", shocks: { market: -2 } }] },
    });
    expect(res.status).toBe(400);
    expect(res.problem.errors![0]!.path).toBe("scenarios.0.shocks.market");
  });
});

describe("asset patterns and volatility forecasts", () => {
  it("lists pattern days inside the range with a known kind and direction", async () => {
    const res = await call("/v1/assets/RKA/patterns?start=2023-03-01&end=2024-06-01", { token: owner.token });
    expect(res.status).toBe(200);
    for (const p of res.body.data) {
      expect(p.date >= "2023-03-01" && p.date <= "2024-06-01").toBe(true);
      expect(["bullish", "bearish", "neutral"]).toContain(p.direction);
    }
  });

  it("refuses a range whose start is after its end (400, path start)", async () => {
    const res = await call("/v1/assets/RKA/patterns?start=2024-06-01&end=2023-03-01", { token: owner.token });
    expect(res.status).toBe(400);
    expect(res.problem.errors).toContainEqual({ path: "start", message: "start must not be after end" });
  });

  it("refuses an unknown pattern kind (400, path kinds)", async () => {
    const res = await call("/v1/assets/RKA/patterns?kinds=doji,marubozu", { token: owner.token });
    expect(res.status).toBe(400);
    expect(res.problem.errors![0]!.path).toBe("kinds");
  });

  it("forecasts EWMA volatility as the RiskMetrics recursion over the adjusted closes", async () => {
    const res = await call("/v1/assets/RKB/volatility-forecast?model=ewma", { token: owner.token });
    expect(res.status).toBe(200);
    const closes = DAYS.map((_, i) => wiggle(1)(i));
    const r = closes.slice(1).map((c, i) => c / (closes[i] as number) - 1);
    let v = r.slice(0, 20).reduce((a, x) => a + x * x, 0) / 20;
    for (const x of r) v = 0.94 * v + 0.06 * x * x;
    expect(res.body.annualized_volatility).toBeCloseTo(Math.sqrt(252 * v), 10);
    expect(res.body).toMatchObject({ model: "ewma", lambda: 0.94, horizon: 21, observations: r.length });
  });

  it("fits GARCH or states its fallback, and refuses a horizon of 0", async () => {
    const res = await call("/v1/assets/RKB/volatility-forecast?model=garch&horizon=10", { token: owner.token });
    expect(res.status).toBe(200);
    if (res.body.model === "garch") expect(res.body.alpha! + res.body.beta!).toBeLessThan(1);
    else expect(res.body.fallback_reason).toBeDefined();
    const bad = await call("/v1/assets/RKB/volatility-forecast?horizon=0", { token: owner.token });
    expect(bad.status).toBe(400);
    expect(bad.problem.errors![0]!.path).toBe("horizon");
  });
});
