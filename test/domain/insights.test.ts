// Insights (pure): each sentence's numbers derived by hand or with simple-statistics, and every number a
// sentence quotes found in its figures (checked here by a separate reader of the text).
import { sampleCorrelation, sampleStandardDeviation } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { capBinding, drawdownEpisodes } from "../../src/domain/insight-facts";
import { acceptRewording, type Figures } from "../../src/domain/insight-figures";
import { type InsightInputs, indexInsights } from "../../src/domain/insights";
import type { LevelPoint } from "../../src/domain/metrics";
import { weekdays } from "../helpers/dates";

const series = (dates: string[], values: number[]): LevelPoint[] =>
  values.map((value, i) => ({ date: dates[i]!, value }));

/** Prices from returns: p_0 = start, p_t = p_{t−1}(1 + r_t). */
function fromReturns(start: number, returns: number[]): number[] {
  const out = [start];
  for (const r of returns) out.push(out[out.length - 1]! * (1 + r));
  return out;
}

const BASE: InsightInputs = {
  levels: [],
  benchmark: null,
  rebalances: [],
  maxWeight: null,
  minWeight: null,
  allocation: null,
  risk: null,
  version: 1,
  builtAt: null,
  events: { actions: [], revisedBars: 0 },
};

/**
 * An independent reader: drops every string figure (dates, symbols) from the text, then demands that each
 * remaining number equals the magnitude of a numeric figure.
 */
function unexplainedNumbers(text: string, figures: Figures): string[] {
  let rest = text;
  for (const v of Object.values(figures)) if (typeof v === "string") rest = rest.replaceAll(v, "");
  const numbers = Object.values(figures).filter((v): v is number => typeof v === "number");
  return (rest.match(/[0-9]+(\.[0-9]+)?/g) ?? []).filter((tok) => !numbers.some((n) => Math.abs(n) === Number(tok)));
}

describe("drawdown episodes", () => {
  it("splits peak → trough → recovery and leaves the last one open", () => {
    const d = weekdays("2024-01-01", 9);
    const eps = drawdownEpisodes(series(d, [100, 110, 99, 88, 110, 121, 108.9, 121, 120]));
    expect(eps).toHaveLength(3);
    // 88/110 − 1 = −0.2, peak on day 1, back to 110 on day 4: 3 sessions.
    expect(eps[0]).toMatchObject({ peak_date: d[1], trough_date: d[3], recovery_date: d[4], sessions: 3 });
    expect(eps[0]!.depth).toBeCloseTo(-0.2, 12);
    // 108.9/121 − 1 = −0.1, recovered the next day.
    expect(eps[1]).toMatchObject({ peak_date: d[5], trough_date: d[6], recovery_date: d[7], sessions: 2 });
    expect(eps[1]!.depth).toBeCloseTo(-0.1, 12);
    // 120/121 − 1, still open one session after the peak of day 7.
    expect(eps[2]).toMatchObject({ peak_date: d[7], trough_date: d[8], recovery_date: null, sessions: 1 });
  });

  it("finds none in a series that never falls", () => {
    expect(drawdownEpisodes(series(weekdays("2024-01-01", 3), [1, 1, 2]))).toEqual([]);
  });
});

describe("cap binding and drift", () => {
  it("counts the rebalances where a cap cut or a floor lifted a raw weight", () => {
    const b = capBinding([
      { date: "a", weights_before: { X: 0.6, Y: 0.4 }, weights_after: { X: 0.5, Y: 0.5 }, turnover: 1 },
      { date: "b", weights_before: { X: 0.5, Y: 0.5 }, weights_after: { X: 0.5, Y: 0.5 }, turnover: 0 },
      {
        date: "c",
        weights_before: { X: 0.7, Y: 0.29, Z: 0.01 },
        weights_after: { X: 0.5, Y: 0.45, Z: 0.05 },
        turnover: 0.2,
      },
    ]);
    expect(b).toMatchObject({ capped_rebalances: 2, floored_rebalances: 2, rebalances: 3 });
    expect([...b.capped_symbols]).toEqual([["X", 2]]);
  });
});

describe("sentences", () => {
  it("names the largest risk share from the risk route's contributions, whatever their order", () => {
    // Two uncorrelated constituents at 50% each, daily volatility 2% and 1%: A's share of the variance is
    // 0.5²·0.02² / (0.5²·0.02² + 0.5²·0.01²) = 4 / (4 + 1) = 80%.
    const items = indexInsights({
      ...BASE,
      allocation: { date: "2024-02-26", weights: { A: 0.5, B: 0.5 } },
      risk: {
        shares: [
          { symbol: "B", weight: 0.5, marginal: 0.05, contribution_pct: 0.2 },
          { symbol: "A", weight: 0.5, marginal: 0.2, contribution_pct: 0.8 },
        ],
        sessions: 40,
      },
    });
    const risk = items.find((i) => i.kind === "risk_concentration")!;
    expect(risk.figures).toMatchObject({ symbol: "A", risk_share_pct: 80, weight_pct: 50, sessions: 40 });
    expect(risk.text).toBe("A carries 80.0% of the index's risk with 50.0% of its weight, over the last 40 sessions.");
    expect(indexInsights({ ...BASE, risk: null }).some((i) => i.kind === "risk_concentration")).toBe(false);
  });

  it("compares with the benchmark: returns, the gap in points, tracking error and correlation", () => {
    const d = weekdays("2024-01-01", 6);
    const index = [100, 102, 101, 105, 104, 110];
    const bench = [200, 201, 203, 202, 206, 210];
    const items = indexInsights({
      ...BASE,
      levels: series(d, index),
      benchmark: { symbol: "SPY", levels: series(d, bench) },
    });
    const t = items.find((i) => i.kind === "tracking")!;
    const ri = index.slice(1).map((v, k) => v / index[k]! - 1);
    const rb = bench.slice(1).map((v, k) => v / bench[k]! - 1);
    const te = sampleStandardDeviation(ri.map((x, k) => x - rb[k]!)) * Math.sqrt(252);
    expect(t.figures).toMatchObject({
      benchmark: "SPY",
      index_return_pct: 10,
      benchmark_return_pct: 5,
      excess_return_pct: 5,
      tracking_error_pct: Math.round(te * 1000) / 10,
      correlation: Math.round(sampleCorrelation(ri, rb) * 100) / 100,
    });
    expect(t.text).toContain("the index returned 10.0% and SPY returned 5.0%: 5.0 points ahead of it");
  });

  it("says how often the cap bound, and the average and annual turnover", () => {
    const d = weekdays("2024-01-01", 253);
    const items = indexInsights({
      ...BASE,
      levels: series(
        d,
        d.map(() => 100),
      ),
      maxWeight: 0.5,
      rebalances: [
        { date: d[0]!, weights_before: { X: 0.6, Y: 0.4 }, weights_after: { X: 0.5, Y: 0.5 }, turnover: 1 },
        { date: d[100]!, weights_before: { X: 0.55, Y: 0.45 }, weights_after: { X: 0.5, Y: 0.5 }, turnover: 0.1 },
        { date: d[200]!, weights_before: { X: 0.4, Y: 0.6 }, weights_after: { X: 0.5, Y: 0.5 }, turnover: 0.3 },
      ],
    });
    const caps = items.find((i) => i.kind === "binding_caps")!;
    expect(caps.text).toBe("The 50.0% cap bound at 3 of 3 rebalances, most often on X (2 times).");
    const turnover = items.find((i) => i.kind === "turnover")!;
    // (0.1 + 0.3) / 2 = 20%; 252 sessions = one year, so 40% a year.
    expect(turnover.figures).toMatchObject({ average_turnover_pct: 20, annual_turnover_pct: 40, rebalances: 2 });
  });

  it("forecasts volatility with EWMA when there are too few sessions for GARCH, against realised", () => {
    const r = Array.from({ length: 60 }, (_, t) => 0.01 * Math.sin(t * 1.7) + (t % 7 === 0 ? -0.02 : 0.003));
    const d = weekdays("2024-01-01", 61);
    const levels = series(d, fromReturns(1000, r));
    const v = indexInsights({ ...BASE, levels }).find((i) => i.kind === "volatility_forecast")!;
    // RiskMetrics by hand: seed with the mean square of the first 20 returns, then λ = 0.94 over every return.
    const back = levels.slice(1).map((p, k) => p.value / levels[k]!.value - 1);
    let s2 = back.slice(0, 20).reduce((a, x) => a + x * x, 0) / 20;
    for (const x of back) s2 = 0.94 * s2 + 0.06 * x * x;
    expect(v.figures).toMatchObject({
      model: "ewma",
      horizon: 21,
      sessions: 60,
      forecast_pct: Math.round(Math.sqrt(252 * s2) * 1000) / 10,
      realised_pct: Math.round(sampleStandardDeviation(back) * Math.sqrt(252) * 1000) / 10,
    });
    expect(v.text).toContain("(EWMA, since too few sessions for GARCH)");
  });

  it("names the corporate actions recorded since the version was built", () => {
    const items = indexInsights({
      ...BASE,
      builtAt: "2024-06-01T12:00:00.000Z",
      version: 3,
      events: {
        actions: [
          { symbol: "AAA", kind: "split", date: "2024-06-10", ratio: 4, amount: null },
          { symbol: "BBB", kind: "dividend", date: "2024-06-12", ratio: null, amount: 0.25 },
        ],
        revisedBars: 1,
      },
    });
    expect(items[0]!.text).toBe(
      "Since version 3 was built on 2024-06-01, 2 corporate actions were recorded (AAA split with ratio 4 on 2024-06-10; BBB paid a dividend of 0.25 on 2024-06-12) and 1 bar was revised; the next build takes them in.",
    );
    const quiet = indexInsights({ ...BASE, builtAt: "2024-06-01T12:00:00.000Z" });
    expect(quiet[0]!.text).toBe(
      "No split, dividend or revised bar of a constituent has been recorded since version 1 was built on 2024-06-01.",
    );
  });
});

describe("every sentence is backed by its figures", () => {
  // Three years of a trending, noisy index with four constituents, caps, rebalances and a benchmark.
  const d = weekdays("2021-01-04", 760);
  const noise = (k: number, t: number) => 0.012 * Math.sin(t * (0.7 + k * 0.31)) + 0.004 * Math.cos(t * 2.3 + k);
  const level = series(
    d,
    fromReturns(
      1000,
      d.slice(1).map((_, t) => 0.0005 + 0.6 * noise(0, t) + 0.4 * noise(2, t) - (t > 300 && t < 360 ? 0.006 : 0)),
    ),
  );
  const bench = series(
    d,
    fromReturns(
      300,
      d.slice(1).map((_, t) => 0.0003 + noise(1, t) * 0.8),
    ),
  );
  const rebalances = Array.from({ length: 12 }, (_, m) => ({
    date: d[m * 63]!,
    weights_before: { AAA: 0.4, BBB: 0.3, CCC: 0.2, DDD: 0.1 },
    weights_after: { AAA: 0.3, BBB: 0.3, CCC: 0.25, DDD: 0.15 },
    turnover: m === 0 ? 1 : 0.05 + 0.01 * m,
  }));
  const input: InsightInputs = {
    ...BASE,
    levels: level,
    benchmark: { symbol: "SPY", levels: bench },
    rebalances,
    maxWeight: 0.3,
    minWeight: 0.15,
    allocation: { date: d[693]!, weights: { AAA: 0.3, BBB: 0.3, CCC: 0.25, DDD: 0.15 } },
    risk: {
      shares: [
        { symbol: "AAA", weight: 0.32, marginal: 0.21, contribution_pct: 0.41 },
        { symbol: "BBB", weight: 0.29, marginal: 0.16, contribution_pct: 0.27 },
        { symbol: "CCC", weight: 0.24, marginal: 0.15, contribution_pct: 0.22 },
        { symbol: "DDD", weight: 0.15, marginal: 0.11, contribution_pct: 0.1 },
      ],
      sessions: 252,
    },
    version: 2,
    builtAt: "2024-01-01T00:00:00Z",
    events: { actions: [{ symbol: "CCC", kind: "split", date: "2024-02-01", ratio: 2, amount: null }], revisedBars: 0 },
  };
  const items = indexInsights(input);

  it("covers every kind the inputs support", () => {
    expect(new Set(items.map((i) => i.kind))).toEqual(
      new Set([
        "risk_concentration",
        "drawdown",
        "tracking",
        "binding_caps",
        "turnover",
        "regime",
        "volatility_forecast",
        "data_events",
        ...items.filter((i) => i.kind === "current_drawdown").map((i) => i.kind),
      ]),
    );
  });

  it("quotes no number that is not in its figures", () => {
    for (const item of items) expect(unexplainedNumbers(item.text, item.figures), item.text).toEqual([]);
  });

  it("is ranked by importance and is the same every time", () => {
    const imp = items.map((i) => i.importance);
    expect([...imp].sort((a, b) => b - a)).toEqual(imp);
    expect(indexInsights(input)).toEqual(items);
  });
});

describe("rewordings", () => {
  const figures: Figures = { symbol: "AAA", risk_share_pct: 41.3, weight_pct: 25, since: "2024-03-01" };
  it("keeps one that quotes only the figures (dates and symbols included)", () => {
    expect(acceptRewording("Since 2024-03-01, AAA has carried 41.3% of the risk on a 25% weight.", figures)).toBe(true);
  });
  it("drops one that quotes a number missing from the figures, or that is empty", () => {
    expect(acceptRewording("AAA carries about 41% of the risk.", figures)).toBe(false);
    expect(acceptRewording("AAA carries 41.3% of the risk, 3 times its weight.", figures)).toBe(false);
    expect(acceptRewording("   ", figures)).toBe(false);
  });
});

describe("alert messages", () => {
  it("says which way the quote crossed the alert, with both prices", async () => {
    const { priceAlertMessage, formatPrice } = await import("../../src/domain/alert-messages");
    expect(priceAlertMessage({ symbol: "AAPL", condition: "above", price: 190, triggered_price: 190.1 })).toBe(
      "AAPL rose to 190.10, crossing your alert above 190.00.",
    );
    expect(priceAlertMessage({ symbol: "XRP", condition: "below", price: 0.5, triggered_price: 0.49871 })).toBe(
      "XRP fell to 0.4987, crossing your alert below 0.5000.",
    );
    expect(formatPrice(1234.5)).toBe("1234.50");
  });
});
