import { describe, expect, it } from "vitest";
import { computeIndex, type IndexInput } from "../../src/domain/index-levels";
import type { PricePoint } from "../../src/domain/price-matrix";
import { randomWalk, seededRandom, weekdays } from "./market-fixtures";

const dates = weekdays("2023-01-02", 390); // through mid-2024
const baseDate = "2024-01-02";
const rand = seededRandom(99);
const prices: Record<string, PricePoint[]> = {
  AAA: randomWalk(dates, rand, 100, 0.01),
  BBB: randomWalk(dates, rand, 50, 0.02),
  CCC: randomWalk(dates, rand, 20, 0.03),
  DDD: randomWalk(dates, rand, 80, 0.015),
};
const rules = (over: Partial<IndexInput> = {}): IndexInput => ({
  constituents: ["AAA", "BBB", "CCC", "DDD"],
  prices,
  weighting: "inverse_volatility",
  rebalance: "monthly",
  baseDate,
  baseValue: 1000,
  portfolio: { lookbackDays: 63, covariance: "sample" },
  ...over,
});

/** Sample sd of the 63 simple returns ending on the session before `date`, computed here from the raw series. */
function trailingVol(points: PricePoint[], date: string, lookback: number): number {
  const before = points.filter((p) => p.date < date).slice(-(lookback + 1));
  const r = before.slice(1).map((p, i) => p.close / (before[i] as PricePoint).close - 1);
  const m = r.reduce((a, b) => a + b, 0) / r.length;
  return Math.sqrt(r.reduce((a, x) => a + (x - m) ** 2, 0) / (r.length - 1));
}

describe("risk-based index weightings", () => {
  it("weights by 1/σ of the lookback returns ending the session before each rebalance", () => {
    const out = computeIndex(rules());
    if (!out.ok) throw new Error(out.detail);
    expect(out.value.levels[0]?.date).toBe(baseDate);
    expect(out.value.levels[0]?.value).toBe(1000);
    for (const reb of out.value.rebalances.slice(0, 3)) {
      const inv = Object.fromEntries(
        Object.keys(prices).map((s) => [s, 1 / trailingVol(prices[s] as PricePoint[], reb.date, 63)]),
      );
      const total = Object.values(inv).reduce((a, b) => a + b, 0);
      for (const s of Object.keys(prices)) expect(reb.weights_after[s]).toBeCloseTo((inv[s] as number) / total, 10);
    }
  });

  it("never looks ahead: changing the rebalance day's own close and everything after leaves that rebalance's weights alone", () => {
    const first = computeIndex(rules({ weighting: "min_variance" }));
    if (!first.ok) throw new Error(first.detail);
    const reb = first.value.rebalances[2];
    if (!reb) throw new Error("expected rebalances");
    const shocked = Object.fromEntries(
      Object.entries(prices).map(([s, pts]) => [
        s,
        pts.map((p) => (p.date >= reb.date ? { ...p, close: p.close * (s === "AAA" ? 3 : 0.2) } : p)),
      ]),
    );
    const again = computeIndex(rules({ weighting: "min_variance", prices: shocked }));
    if (!again.ok) throw new Error(again.detail);
    expect(again.value.rebalances[2]?.weights_after).toEqual(reb.weights_after);
    // A change on the session before does move it.
    const prior = dates[dates.indexOf(reb.date) - 1] as string;
    const moved = Object.fromEntries(
      Object.entries(prices).map(([s, pts]) => [
        s,
        pts.map((p) => (p.date === prior && s === "AAA" ? { ...p, close: p.close * 1.3 } : p)),
      ]),
    );
    const third = computeIndex(rules({ weighting: "min_variance", prices: moved }));
    if (!third.ok) throw new Error(third.detail);
    expect(third.value.rebalances[2]?.weights_after).not.toEqual(reb.weights_after);
  });

  it("holds sector caps and per-asset caps at every rebalance", () => {
    const out = computeIndex(
      rules({
        weighting: "min_variance",
        maxWeight: 0.4,
        portfolio: {
          lookbackDays: 126,
          covariance: "ledoit_wolf",
          sectors: { AAA: "Tech", BBB: "Tech", CCC: "Energy", DDD: "Health" },
          groupCaps: { Tech: 0.5 },
        },
      }),
    );
    if (!out.ok) throw new Error(out.detail);
    for (const reb of out.value.rebalances) {
      const w = reb.weights_after;
      expect((w.AAA as number) + (w.BBB as number)).toBeLessThanOrEqual(0.5 + 1e-9);
      for (const x of Object.values(w)) expect(x).toBeLessThanOrEqual(0.4 + 1e-9);
      expect(Object.values(w).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
  });

  it("keeps every rebalance after the first within max_turnover", () => {
    const out = computeIndex(rules({ weighting: "max_sharpe", portfolio: { lookbackDays: 63, maxTurnover: 0.05 } }));
    if (!out.ok) throw new Error(out.detail);
    expect(out.value.rebalances[0]?.turnover).toBe(1);
    for (const reb of out.value.rebalances.slice(1)) expect(reb.turnover).toBeLessThanOrEqual(0.05 + 1e-9);
  });

  it("fails with a reason when no constituent has 20 returns before the base date", () => {
    const out = computeIndex(rules({ baseDate: "2023-01-10", weighting: "risk_parity" }));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.reason).toBe("insufficient_history");
  });

  it("caps sectors for a market-independent weighting too (equal weights under a group cap)", () => {
    const out = computeIndex(
      rules({
        weighting: "equal",
        portfolio: { sectors: { AAA: "Tech", BBB: "Tech", CCC: "Tech", DDD: "Health" }, groupCaps: { Tech: 0.6 } },
      }),
    );
    if (!out.ok) throw new Error(out.detail);
    const w = out.value.rebalances[0]?.weights_after ?? {};
    // χ²-nearest to equal weights: Tech names shrink pro rata to 0.2 each, DDD takes the rest.
    expect(w.AAA).toBeCloseTo(0.2, 7);
    expect(w.DDD).toBeCloseTo(0.4, 7);
  });
});
