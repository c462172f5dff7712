import * as ss from "simple-statistics";
import { describe, expect, it } from "vitest";
import {
  drawdownDurations,
  extendedMetrics,
  sampleExcessKurtosis,
  sampleSkewness,
} from "../../src/domain/extended-metrics";
import { rollingMetric } from "../../src/domain/rolling-metrics";
import { normal, seeded } from "./portfolio-fixtures";

const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const levelsOf = (values: number[]) => values.map((value, i) => ({ date: day(i), value }));
const fromReturns = (rs: number[], start = 100) => {
  const v = [start];
  for (const r of rs) v.push((v[v.length - 1] as number) * (1 + r));
  return levelsOf(v);
};
const base = { cagr: null, maxDrawdown: null, beta: null };

describe("shape of the return distribution", () => {
  const rand = seeded(4);
  const xs = Array.from({ length: 500 }, () => 0.01 * normal(rand) + (rand() < 0.05 ? -0.04 : 0));

  it("agrees with simple-statistics' sample skewness and kurtosis", () => {
    expect(sampleSkewness(xs)).toBeCloseTo(ss.sampleSkewness(xs), 10);
    expect(sampleExcessKurtosis(xs)).toBeCloseTo(ss.sampleKurtosis(xs), 10);
  });

  it("reports best and worst day and the share of up days", () => {
    const m = extendedMetrics({ levels: fromReturns([0.01, -0.02, 0.03, 0, -0.01]), ...base });
    expect(m.best_day).toBeCloseTo(0.03, 12);
    expect(m.worst_day).toBeCloseTo(-0.02, 12);
    expect(m.hit_rate).toBeCloseTo(2 / 5, 12);
    // Omega at τ = 0: gains .01 + .03 over losses .02 + .01.
    expect(m.omega).toBeCloseTo(0.04 / 0.03, 10);
  });
});

describe("value at risk", () => {
  const rs = Array.from({ length: 200 }, (_, i) => ((i * 37) % 200) / 10_000 - 0.01);

  it("takes the 99% historical tail as the ⌈0.01·n⌉-th worst day", () => {
    const sorted = [...rs].sort((a, b) => a - b);
    const m = extendedMetrics({ levels: fromReturns(rs), ...base });
    expect(m.var_99).toBeCloseTo(-(sorted[1] as number), 10);
    expect(m.cvar_99).toBeCloseTo(-((sorted[0] as number) + (sorted[1] as number)) / 2, 10);
  });

  it("gives parametric VaR −(μ + z₀.₀₅σ), and Cornish-Fisher moves it by the skew and kurtosis", () => {
    const m = extendedMetrics({ levels: fromReturns(rs), ...base });
    const ret = fromReturns(rs).map((l) => l.value);
    const actual = ret.slice(1).map((v, i) => v / (ret[i] as number) - 1);
    const z = -1.6448536269514722;
    const mu = ss.mean(actual);
    const sd = ss.sampleStandardDeviation(actual);
    expect(m.var_95_parametric).toBeCloseTo(-(mu + z * sd), 12);
    const s = ss.sampleSkewness(actual);
    const k = ss.sampleKurtosis(actual);
    const zcf = z + ((z * z - 1) * s) / 6 + ((z ** 3 - 3 * z) * k) / 24 - ((2 * z ** 3 - 5 * z) * s * s) / 36;
    expect(m.var_95_cornish_fisher).toBeCloseTo(-(mu + zcf * sd), 10);
  });
});

describe("drawdown duration and recovery", () => {
  it("measures the longest time under water in calendar days and the deepest one's recovery date", () => {
    // Peak 100 on day 0, trough 80 on day 2, back to 100 on day 5; then peak 110 on day 6, down to 105 to the end.
    const levels = levelsOf([100, 90, 80, 85, 95, 100, 110, 105, 106, 107, 108, 109, 105]);
    const d = drawdownDurations(levels);
    expect(d.recoveryDate).toBe(day(5));
    expect(d.longestDays).toBe(6); // day 6 → day 12, still under water
  });

  it("leaves recovery null while the deepest drawdown is open", () => {
    expect(drawdownDurations(levelsOf([100, 120, 90, 100])).recoveryDate).toBeNull();
  });
});

describe("benchmark-relative shape", () => {
  it("computes capture ratios from the benchmark's up and down days, and r² as correlation squared", () => {
    const bench = [0.01, -0.02, 0.02, -0.01, 0.005];
    const idx = [0.015, -0.01, 0.01, -0.015, 0.0];
    const m = extendedMetrics({ levels: fromReturns(idx), benchmark: fromReturns(bench), ...base });
    expect(m.up_capture).toBeCloseTo((0.015 + 0.01 + 0) / 3 / ((0.01 + 0.02 + 0.005) / 3), 10);
    expect(m.down_capture).toBeCloseTo((-0.01 - 0.015) / 2 / ((-0.02 - 0.01) / 2), 10);
    expect(m.r_squared).toBeCloseTo(ss.sampleCorrelation(idx, bench) ** 2, 10);
  });

  it("derives Calmar and Treynor from the given CAGR, drawdown and beta", () => {
    const rs = [0.01, -0.005, 0.002];
    const m = extendedMetrics({ levels: fromReturns(rs), cagr: 0.12, maxDrawdown: 0.3, beta: 1.5 });
    expect(m.calmar).toBeCloseTo(0.4, 12);
    expect(m.treynor).toBeCloseTo((ss.mean(rs) * 252) / 1.5, 10);
  });

  it("annualises the turnover of the rebalances after the first day", () => {
    const levels = fromReturns(Array.from({ length: 504 }, () => 0.0001));
    const rebalances = [
      { date: day(0), turnover: 1 },
      { date: day(100), turnover: 0.2 },
      { date: day(300), turnover: 0.4 },
    ];
    expect(extendedMetrics({ levels, rebalances, ...base }).annual_turnover).toBeCloseTo(0.3, 12);
  });
});

describe("rolling metrics", () => {
  const rand = seeded(8);
  const rs = Array.from({ length: 400 }, () => 0.01 * normal(rand));
  const br = rs.map((r) => 0.8 * r + 0.005 * normal(rand));
  const levels = fromReturns(rs);
  const bench = fromReturns(br);

  it("matches a direct recomputation of every window", () => {
    const vol = rollingMetric("volatility", levels, 63);
    const sharpe = rollingMetric("sharpe", levels, 63);
    const beta = rollingMetric("beta", levels, 63, { benchmark: bench });
    expect(vol).toHaveLength(400 - 63 + 1);
    for (const k of [0, 100, 337]) {
      const w = rs.slice(k, k + 63);
      const b = br.slice(k, k + 63);
      expect(vol[k]?.date).toBe(day(k + 63));
      expect(vol[k]?.value).toBeCloseTo(ss.sampleStandardDeviation(w) * Math.sqrt(252), 9);
      expect(sharpe[k]?.value).toBeCloseTo((ss.mean(w) / ss.sampleStandardDeviation(w)) * Math.sqrt(252), 7);
      expect(beta[k]?.value).toBeCloseTo(ss.sampleCovariance(w, b) / ss.sampleVariance(b), 8);
    }
  });

  it("measures drawdown from the highest close of the trailing window", () => {
    const dd = rollingMetric("drawdown", levels, 63);
    for (const k of [0, 50, 336]) {
      const slice = levels.slice(k, k + 64).map((l) => l.value);
      expect(dd[k]?.value).toBeCloseTo(1 - (slice[63] as number) / Math.max(...slice), 12);
    }
  });
});
