import fc from "fast-check";
import * as ss from "simple-statistics";
import { describe, expect, it } from "vitest";
import {
  alignByDate,
  historicalVar,
  type LevelPoint,
  maxDrawdown,
  riskMetrics,
  sliceWindow,
  windowCoverage,
  windowStart,
} from "../../src/domain/metrics";
import { randomWalk, seededRandom, weekdays } from "./market-fixtures";

const levelsOf = (values: number[], start = "2024-01-01"): LevelPoint[] => {
  const dates = weekdays(start, values.length);
  return values.map((value, i) => ({ date: dates[i] as string, value }));
};

/** Levels whose daily returns are exactly `returns`, starting at 100. */
const fromReturns = (returns: number[], start = "2024-01-01"): LevelPoint[] => {
  const values = [100];
  for (const r of returns) values.push((values[values.length - 1] as number) * (1 + r));
  return levelsOf(values, start);
};

const returnsOf = (l: LevelPoint[]) => l.slice(1).map((p, i) => p.value / (l[i] as LevelPoint).value - 1);

describe("return and risk of one series", () => {
  // 100 → 110 → 99 → 108.9: returns +10%, −10%, +10%
  const m = riskMetrics(levelsOf([100, 110, 99, 108.9]));

  it("computes total return and 252-day CAGR", () => {
    expect(m.total_return).toBeCloseTo(0.089, 12);
    // (1.089)^(252/3) − 1
    expect(m.cagr).toBeCloseTo(1.089 ** 84 - 1, 9);
  });

  it("annualises the sample standard deviation of daily returns", () => {
    // mean 1/30; squared deviations (1/15)², (2/15)², (1/15)² = 6/225 → /2 = 3/225 → sd = √3/15
    expect(m.volatility).toBeCloseTo((Math.sqrt(3) / 15) * Math.sqrt(252), 12);
  });

  it("computes Sharpe as mean excess over sd × √252", () => {
    // (1/30) / (√3/15) × √252 = √3/6 × √252
    expect(m.sharpe).toBeCloseTo((Math.sqrt(3) / 6) * Math.sqrt(252), 10);
  });

  it("computes Sortino with downside deviation over all days", () => {
    // downside: only −0.1 → √(0.01/3); (1/30)/√(0.01/3) × √252
    expect(m.sortino).toBeCloseTo((1 / 30 / Math.sqrt(0.01 / 3)) * Math.sqrt(252), 10);
  });

  it("subtracts the daily risk-free rate from Sharpe and Sortino", () => {
    const rf = 0.0504; // 0.0002 a day
    const withRf = riskMetrics(levelsOf([100, 110, 99, 108.9]), null, { riskFreeRate: rf });
    expect(withRf.sharpe).toBeCloseTo(((1 / 30 - 0.0002) / (Math.sqrt(3) / 15)) * Math.sqrt(252), 10);
    // downside vs 0.0002: only (−0.1 − 0.0002)²
    expect(withRf.sortino).toBeCloseTo(((1 / 30 - 0.0002) / Math.sqrt(0.1002 ** 2 / 3)) * Math.sqrt(252), 10);
  });

  it("agrees with simple-statistics on a long random series", () => {
    const l = randomWalk(weekdays("2020-01-01", 600), seededRandom(7)).map((p) => ({ date: p.date, value: p.close }));
    const r = returnsOf(l);
    const got = riskMetrics(l);
    expect(got.volatility).toBeCloseTo(ss.sampleStandardDeviation(r) * Math.sqrt(252), 12);
    expect(got.sharpe).toBeCloseTo((ss.mean(r) / ss.sampleStandardDeviation(r)) * Math.sqrt(252), 10);
  });

  it("gives null, not NaN, where there is too little data", () => {
    const one = riskMetrics(levelsOf([100]));
    expect(Object.values(one).every((v) => v === null)).toBe(true);
    const two = riskMetrics(levelsOf([100, 101]));
    expect(two.total_return).toBeCloseTo(0.01, 12);
    expect(two.volatility).toBeNull();
    expect(two.sharpe).toBeNull();
    expect(two.var_95).toBeNull();
    const flat = riskMetrics(levelsOf([100, 100, 100, 100]));
    expect(flat).toMatchObject({
      volatility: 0,
      sharpe: null,
      sortino: null,
      max_drawdown: 0,
      max_drawdown_start: null,
    });
  });

  it("never yields NaN or Infinity for any positive series", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { maxLength: 60 }), (values) => {
        const got = riskMetrics(levelsOf(values), levelsOf(values.map((v) => v * 2 + 1)));
        for (const v of Object.values(got)) if (typeof v === "number") expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("drawdown", () => {
  it("finds the deepest peak-to-trough fall with its dates", () => {
    // peaks 120 → trough 90 is 25%; the later 130 → 104 is only 20%
    const l = levelsOf([100, 120, 90, 130, 104]);
    expect(maxDrawdown(l)).toEqual({ depth: 0.25, start: l[1]?.date, end: l[2]?.date });
    expect(riskMetrics(l)).toMatchObject({
      max_drawdown: 0.25,
      max_drawdown_start: l[1]?.date,
      max_drawdown_end: l[2]?.date,
    });
  });

  it("is zero for a series that only rises", () => {
    expect(maxDrawdown(levelsOf([1, 2, 3]))).toEqual({ depth: 0, start: null, end: null });
  });
});

describe("historical VaR and CVaR", () => {
  it("takes the k-th worst return, k = ⌈5% × n⌉, as a positive loss", () => {
    // 40 returns: −8%, −6%, then 38 × +1% → k = 2: VaR = 6%, CVaR = mean(8%, 6%) = 7%
    const r = [-0.08, -0.06, ...Array(38).fill(0.01)];
    const t = historicalVar(r);
    expect(t.var).toBeCloseTo(0.06, 14);
    expect(t.cvar).toBeCloseTo(0.07, 14);
  });

  it("is the inverse empirical CDF (no interpolation), checked with simple-statistics' quantile rank", () => {
    // n = 30: the 5% quantile is the smallest q with ECDF(q) ≥ 0.05 → the 2nd smallest (2/30 ≥ 0.05 > 1/30).
    // (simple-statistics' own `quantile` interpolates, numpy type 7; a historical VaR reports an observed loss.)
    const r = returnsOf(
      randomWalk(weekdays("2020-01-01", 31), seededRandom(3)).map((p) => ({ date: p.date, value: p.close })),
    );
    const sorted = [...r].sort((a, b) => a - b);
    const t = historicalVar(r);
    const q = -(t.var as number);
    expect(ss.quantileRankSorted(sorted, q)).toBeGreaterThanOrEqual(0.05);
    expect(ss.quantileRankSorted(sorted, sorted[0] as number)).toBeLessThan(0.05);
    expect(q).toBe(sorted[1]);
    expect(t.cvar).toBeCloseTo(-ss.mean(sorted.slice(0, 2)), 14);
  });

  it("needs at least 20 returns", () => {
    expect(historicalVar(Array(19).fill(0.01))).toEqual({ var: null, cvar: null });
    expect(historicalVar(Array(20).fill(-0.01)).var).toBeCloseTo(0.01, 14);
  });

  it("never reports CVaR below VaR", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: 20, maxLength: 300 }), (r) => {
        const t = historicalVar(r);
        expect((t.cvar as number) + 1e-15).toBeGreaterThanOrEqual(t.var as number);
      }),
    );
  });
});

describe("benchmark-relative metrics", () => {
  const rb = [0.01, -0.02, 0.015, 0.005, -0.01, 0.02, -0.005, 0.01];

  it("finds beta 2, correlation 1 and zero alpha for a series that is exactly twice the benchmark", () => {
    const m = riskMetrics(fromReturns(rb.map((x) => 2 * x)), fromReturns(rb));
    expect(m.beta).toBeCloseTo(2, 12);
    expect(m.correlation).toBeCloseTo(1, 12);
    expect(m.alpha).toBeCloseTo(0, 12);
  });

  it("annualises Jensen's alpha against the risk-free rate", () => {
    // r = 2·r_b ⇒ α_d = mean(r) − rf_d − 2(mean(r_b) − rf_d) = rf_d ⇒ α = 252·rf_d = rf
    const m = riskMetrics(fromReturns(rb.map((x) => 2 * x)), fromReturns(rb), { riskFreeRate: 0.0252 });
    expect(m.alpha).toBeCloseTo(0.0252, 12);
  });

  it("agrees with simple-statistics for tracking error, information ratio, beta and correlation", () => {
    const rand = seededRandom(11);
    const dates = weekdays("2021-01-01", 300);
    const bench = randomWalk(dates, rand).map((p) => ({ date: p.date, value: p.close }));
    const idx = randomWalk(dates, rand).map((p) => ({ date: p.date, value: p.close }));
    const rp = returnsOf(idx);
    const rbm = returnsOf(bench);
    const active = rp.map((x, i) => x - (rbm[i] as number));
    const m = riskMetrics(idx, bench);
    expect(m.tracking_error).toBeCloseTo(ss.sampleStandardDeviation(active) * Math.sqrt(252), 12);
    expect(m.information_ratio).toBeCloseTo(
      (ss.mean(active) / ss.sampleStandardDeviation(active)) * Math.sqrt(252),
      10,
    );
    expect(m.beta).toBeCloseTo(ss.sampleCovariance(rp, rbm) / ss.sampleVariance(rbm), 12);
    expect(m.correlation).toBeCloseTo(ss.sampleCorrelation(rp, rbm), 12);
  });

  it("aligns the benchmark by date (inner join) before taking returns", () => {
    const a = [
      { date: "2024-01-02", value: 100 },
      { date: "2024-01-03", value: 110 },
      { date: "2024-01-04", value: 121 },
    ];
    const b = [
      { date: "2024-01-02", value: 50 },
      { date: "2024-01-04", value: 60 },
      { date: "2024-01-05", value: 70 },
    ];
    expect(alignByDate(a, b)).toEqual({ dates: ["2024-01-02", "2024-01-04"], a: [100, 121], b: [50, 60] });
    // one joined return: too few for beta
    expect(riskMetrics(a, b).beta).toBeNull();
  });

  it("gives null beta against a flat benchmark and null relatives without one", () => {
    const m = riskMetrics(fromReturns(rb), fromReturns(rb.map(() => 0)));
    expect(m.beta).toBeNull();
    expect(m.correlation).toBeNull();
    expect(riskMetrics(fromReturns(rb)).beta).toBeNull();
  });
});

describe("metrics windows", () => {
  const dates = [
    "2021-06-30",
    "2022-12-30",
    "2023-02-28",
    "2023-06-29",
    "2023-06-30",
    "2024-01-02",
    "2024-02-29",
    "2024-06-28",
  ];

  it("starts a 1y window at the last session on or before the same day a year earlier", () => {
    // 2024-06-28 − 1y = 2023-06-28 → last session on/before is 2023-02-28
    expect(windowStart(dates, "1y")).toBe("2023-02-28");
  });

  it("starts ytd at the last close of the previous year", () => {
    // latest date is in 2024 → the last 2023 session
    expect(windowStart(dates, "ytd")).toBe("2023-06-30");
  });

  it("falls back to the first date when history is shorter than the window", () => {
    expect(windowStart(dates, "5y")).toBe("2021-06-30");
    expect(windowStart(dates, "all")).toBe("2021-06-30");
    expect(windowStart(["2024-03-01", "2024-03-04"], "ytd")).toBe("2024-03-01");
    expect(windowStart([], "1y")).toBeNull();
  });

  it("maps Feb 29 to Feb 28 a year back", () => {
    expect(windowStart(["2023-02-27", "2023-02-28", "2023-03-01", "2024-02-29"], "1y")).toBe("2023-02-28");
  });

  it("slices levels to the window", () => {
    const levels = dates.map((date, i) => ({ date, value: i + 1 }));
    expect(sliceWindow(levels, "ytd").map((l) => l.date)).toEqual(dates.slice(4));
  });
});

describe("windowCoverage", () => {
  const dates = ["2025-03-03", "2025-03-04", "2025-06-02", "2026-03-02", "2026-03-03"];
  it("counts daily returns from the window's start and says when history is shorter than the window", () => {
    expect(windowCoverage(dates, "1y")).toEqual({
      start: "2025-03-03", // the last date on or before 2025-03-03
      end: "2026-03-03",
      observations: 4,
      window_truncated: false,
    });
    expect(windowCoverage(dates, "3y")).toEqual({
      start: "2025-03-03",
      end: "2026-03-03",
      observations: 4,
      window_truncated: true,
    });
    // ytd from the last session of 2025: 2025-06-02 → two returns
    expect(windowCoverage(dates, "ytd")).toEqual({
      start: "2025-06-02",
      end: "2026-03-03",
      observations: 2,
      window_truncated: false,
    });
    expect(windowCoverage(dates.slice(3), "ytd").window_truncated).toBe(true);
    expect(windowCoverage(dates, "all").window_truncated).toBe(false);
    expect(windowCoverage([], "1y")).toEqual({ start: null, end: null, observations: 0, window_truncated: true });
  });
});
