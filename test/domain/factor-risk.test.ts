import * as ss from "simple-statistics";
import { describe, expect, it } from "vitest";
import { ledoitWolfCovariance } from "../../src/domain/covariance";
import { principalComponents, regressReturns, symmetricEigen } from "../../src/domain/factor-risk";
import { applyShocks, replayWindow, worstWindow } from "../../src/domain/stress";
import { factorReturns, matrixOf, normal, seeded } from "./portfolio-fixtures";

describe("regression on factors", () => {
  it("gives simple-statistics' slope, intercept and r² for one factor", () => {
    const rand = seeded(1);
    const market = Array.from({ length: 300 }, () => 0.01 * normal(rand));
    const y = market.map((m) => 0.0002 + 1.3 * m + 0.004 * normal(rand));
    const got = regressReturns(y, [market]);
    const line = ss.linearRegression(market.map((m, i) => [m, y[i] as number]));
    expect(got?.betas[0]).toBeCloseTo(line.m, 12);
    expect(got?.intercept).toBeCloseTo(line.b, 12);
    expect(got?.r_squared).toBeCloseTo(
      ss.rSquared(
        market.map((m, i) => [m, y[i] as number]),
        ss.linearRegressionLine(line),
      ),
      10,
    );
    // Residual sd ≈ the 0.004 noise that was put in, annualised.
    expect(got?.specific_risk).toBeGreaterThan(0.004 * Math.sqrt(252) * 0.9);
    expect(got?.specific_risk).toBeLessThan(0.004 * Math.sqrt(252) * 1.1);
  });

  it("recovers two known exposures exactly from noise-free data", () => {
    const rand = seeded(2);
    const a = Array.from({ length: 50 }, () => normal(rand));
    const b = Array.from({ length: 50 }, () => normal(rand));
    const y = a.map((x, i) => 0.1 + 0.6 * x - 0.25 * (b[i] as number));
    const got = regressReturns(y, [a, b]);
    expect(got?.betas[0]).toBeCloseTo(0.6, 10);
    expect(got?.betas[1]).toBeCloseTo(-0.25, 10);
    expect(got?.r_squared).toBeCloseTo(1, 10);
  });

  it("refuses collinear factors and too few days", () => {
    const a = [1, 2, 3, 4, 5];
    expect(regressReturns([1, 2, 3, 4, 6], [a, a.map((x) => 2 * x)])).toBeNull();
    expect(regressReturns([1, 2], [[1, 2]])).toBeNull();
  });
});

describe("principal components", () => {
  it("matches the 2×2 closed form λ = (a + d)/2 ± √(((a − d)/2)² + b²)", () => {
    const [a, b, d] = [0.04, 0.012, 0.09];
    const pcs = principalComponents(
      matrixOf([
        [a, b],
        [b, d],
      ]),
      2,
    );
    const root = Math.sqrt(((a - d) / 2) ** 2 + b * b);
    expect(pcs[0]?.eigenvalue).toBeCloseTo((a + d) / 2 + root, 14);
    expect(pcs[1]?.eigenvalue).toBeCloseTo((a + d) / 2 - root, 14);
    expect((pcs[0]?.explained_variance as number) + (pcs[1]?.explained_variance as number)).toBeCloseTo(1, 14);
  });

  it("finds, beyond 80 assets, the same leading components as a full Jacobi decomposition", () => {
    const cov = ledoitWolfCovariance(factorReturns(252, 100, 5));
    const pcs = principalComponents(cov, 2);
    const full = symmetricEigen(cov.values, 100);
    expect(pcs[0]?.eigenvalue).toBeCloseTo(full.values[0] as number, 10);
    const v = pcs[0]?.loadings as Float64Array;
    const w = full.vectors[0] as Float64Array;
    const dot = Math.abs(v.reduce((s, x, i) => s + x * (w[i] as number), 0));
    expect(dot).toBeCloseTo(1, 6);
  });
});

describe("stress", () => {
  const holdings = [
    { symbol: "AAA", weight: 0.5, sector: "Tech", beta: 1.2 },
    { symbol: "BBB", weight: 0.3, sector: "Energy", beta: 0.8 },
    { symbol: "CCC", weight: 0.2, sector: "Tech", beta: null },
  ];

  it("passes a market shock through each beta (unknown beta = 1)", () => {
    const out = applyShocks(holdings, { market: -0.1 });
    expect(out.index_return).toBeCloseTo(0.5 * 1.2 * -0.1 + 0.3 * 0.8 * -0.1 + 0.2 * -0.1, 14);
  });

  it("lets a symbol shock beat a sector shock beat the market", () => {
    const out = applyShocks(holdings, { market: -0.1, sectors: { Tech: -0.3 }, symbols: { CCC: 0.05 } });
    expect(out.index_return).toBeCloseTo(0.5 * -0.3 + 0.3 * 0.8 * -0.1 + 0.2 * 0.05, 14);
    expect(out.holdings.map((h) => h.source)).toEqual(["sector", "market", "symbol"]);
  });

  it("reads only shocks the request named: a sector or symbol that is an Object.prototype key is not shocked", () => {
    // Found by the contract fuzz: an asset whose sector was "constructor" took Object's constructor as its shock
    // (the answer lost `shock` and `index_return` became null).
    const odd = [
      { symbol: "AAA", weight: 0.6, sector: "constructor", beta: 1.5 },
      { symbol: "toString", weight: 0.4, sector: "__proto__", beta: null },
    ];
    const out = applyShocks(odd, { market: -0.1, sectors: { Tech: -0.3 }, symbols: {} });
    expect(out.holdings.map((h) => [h.source, h.shock])).toEqual([
      ["market", 1.5 * -0.1],
      ["market", -0.1],
    ]);
    expect(out.index_return).toBeCloseTo(0.6 * 1.5 * -0.1 + 0.4 * -0.1, 14);
    const named = applyShocks(odd, { sectors: JSON.parse('{"constructor": -0.2}') });
    expect(named.holdings[0]).toMatchObject({ source: "sector", shock: -0.2 });
    expect(named.holdings[1]).toMatchObject({ source: "none", shock: 0 });
  });

  it("finds the worst k-session window of a level series", () => {
    const levels = [100, 102, 99, 90, 95, 96, 80, 85].map((value, i) => ({ date: `2024-01-0${i + 1}`, value }));
    expect(worstWindow(levels, 2)).toEqual({ start: "2024-01-05", end: "2024-01-07", return: 80 / 95 - 1 });
    expect(worstWindow(levels, 8)).toBeNull();
  });

  it("replays a window on today's weights, proxying a holding with no prices through the benchmark", () => {
    const prices: Record<string, Record<string, number>> = { AAA: { s: 10, e: 9 }, BBB: { s: 20, e: 22 } };
    const out = replayWindow(holdings, (sym, d) => prices[sym]?.[d], { start: "s", end: "e" }, -0.05);
    expect(out.index_return).toBeCloseTo(0.5 * -0.1 + 0.3 * 0.1 + 0.2 * -0.05, 14);
    expect(out.proxied).toEqual(["CCC"]);
  });
});
