// Backtest cash flows and volume-aware fills: dividends (cash, reinvest, ignore), dated contributions and
// volume participation, each against a hand derivation; a property that the books always reconcile.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BacktestInput, runBacktest } from "../../src/domain/backtest";
import { reconcileBacktest } from "../../src/domain/backtest-reconcile";
import { timeWeightedReturn } from "../../src/domain/cash-flow-returns";
import type { PricePoint } from "../../src/domain/price-matrix";
import { randomWalk, seededRandom, series, weekdays } from "./market-fixtures";

function run(input: BacktestInput) {
  const r = runBacktest(input);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  const rec = reconcileBacktest(input, r.value);
  expect(rec).toMatchObject({ ok: true, mismatches: [] });
  return r.value;
}

const values = (r: { equity_curve: { value: number }[] }) => r.equity_curve.map((p) => p.value);

describe("dividends", () => {
  // 100 shares bought at 100 on Jan 2; a 2.00 dividend goes ex on Jan 3, when the split-adjusted close drops to 98.
  const base: BacktestInput = {
    prices: { A: series({ "2024-01-02": 100, "2024-01-03": 98, "2024-01-04": 99 }) },
    dividends: { A: [{ ex_date: "2024-01-03", amount: 2 }] },
    schedule: [{ rebalance_date: "2024-01-02", weights: { A: 1 } }],
    start: "2024-01-02",
    end: "2024-01-04",
    initialCapital: 10_000,
    fractional: false,
  };

  it("cash (the default): 100 × 2.00 credited on the ex-date, held as cash", () => {
    const r = run(base);
    // Jan 3: 200 + 100 × 98 = 10,000; Jan 4: 200 + 100 × 99 = 10,100
    expect(values(r)).toEqual([10_000, 10_000, 10_100]);
    expect(r.cash_flows).toEqual([{ date: "2024-01-03", kind: "dividend", symbol: "A", amount: 200 }]);
    expect(r.trades).toHaveLength(1);
    expect(r.final_cash).toBe(200);
  });

  it("reinvest: the 200 buys floor(200 / 98) = 2 more shares at the ex-date's close", () => {
    const r = run({ ...base, dividendPolicy: "reinvest" });
    expect(r.trades[1]).toEqual({ date: "2024-01-03", symbol: "A", qty: 2, price: 98, fee: 0 });
    // cash 200 − 196 = 4; Jan 3: 4 + 102 × 98 = 10,000; Jan 4: 4 + 102 × 99 = 10,102
    expect(values(r)).toEqual([10_000, 10_000, 10_102]);
    expect(r.positions).toEqual({ A: 102 });
  });

  it("ignore: price return only, no cash", () => {
    const r = run({ ...base, dividendPolicy: "ignore" });
    expect(values(r)).toEqual([10_000, 9_800, 9_900]);
    expect(r.cash_flows).toEqual([]);
  });

  it("pays nobody who sold before the ex-date, and nothing for an ex-date before the first session", () => {
    const r = run({
      ...base,
      dividends: {
        A: [
          { ex_date: "2023-12-29", amount: 5 },
          { ex_date: "2024-01-04", amount: 1 },
        ],
      },
      schedule: [...base.schedule, { rebalance_date: "2024-01-03", weights: {} }],
    });
    expect(r.cash_flows).toEqual([]); // sold everything on Jan 3, the Jan 4 dividend pays no one
  });
});

describe("contributions", () => {
  // A and B half each; 1,000 paid in on Saturday Jan 6 lands on Monday Jan 8 and is spent by the weights in force.
  const input: BacktestInput = {
    prices: {
      A: series({ "2024-01-05": 100, "2024-01-08": 110, "2024-01-09": 121 }),
      B: series({ "2024-01-05": 50, "2024-01-08": 50, "2024-01-09": 55 }),
    },
    schedule: [{ rebalance_date: "2024-01-05", weights: { A: 0.5, B: 0.5 } }],
    contributions: [{ date: "2024-01-06", amount: 1000 }],
    start: "2024-01-05",
    end: "2024-01-09",
    initialCapital: 10_000,
    fractional: false,
  };

  it("buys floor(500/110) = 4 A and floor(500/50) = 10 B with it; the rest stays cash", () => {
    const r = run(input);
    expect(r.cash_flows).toEqual([{ date: "2024-01-08", kind: "contribution", symbol: null, amount: 1000 }]);
    expect(r.trades.slice(2)).toEqual([
      { date: "2024-01-08", symbol: "A", qty: 4, price: 110, fee: 0 },
      { date: "2024-01-08", symbol: "B", qty: 10, price: 50, fee: 0 },
    ]);
    // cash 1000 − 440 − 500 = 60; Jan 8: 60 + 54·110 + 110·50 = 11,500; Jan 9: 60 + 54·121 + 110·55 = 12,644
    expect(values(r)).toEqual([10_000, 11_500, 12_644]);
    // TWR: (11,500 / (10,000 + 1,000)) × (12,644 / 11,500) − 1 = 12,644 / 11,000 − 1
    const flows = r.cash_flows.map((f) => ({ date: f.date, amount: f.amount }));
    expect(timeWeightedReturn(r.equity_curve, flows)).toBeCloseTo(12_644 / 11_000 - 1, 12);
  });

  it("on a rebalance day it is part of the equity the weights divide", () => {
    const r = run({ ...input, contributions: [{ date: "2024-01-05", amount: 2000 }] });
    // 12,000: A 6,000 / 100 = 60, B 6,000 / 50 = 120
    expect(r.trades).toEqual([
      { date: "2024-01-05", symbol: "A", qty: 60, price: 100, fee: 0 },
      { date: "2024-01-05", symbol: "B", qty: 120, price: 50, fee: 0 },
    ]);
  });

  it("refuses a contribution with no session on or after it (it could not be paid in), never dropping it", () => {
    const r = runBacktest({ ...input, end: "2024-01-10", contributions: [{ date: "2024-01-10", amount: 100 }] });
    expect(r).toMatchObject({ ok: false, reason: "invalid_flows" });
    expect(!r.ok && r.detail).toContain("2024-01-10 has no session on or after it");
  });

  it("refuses a contribution that is not a positive amount", () => {
    const r = runBacktest({ ...input, contributions: [{ date: "2024-01-08", amount: -5 }] });
    expect(r).toMatchObject({ ok: false, reason: "invalid_flows" });
  });
});

describe("volume participation", () => {
  // Target 1,000 shares at 10; a fill takes at most 10% of the day's volume, impact 0.5 × share².
  const input: BacktestInput = {
    prices: {
      A: series({ "2024-01-02": 10, "2024-01-03": 10, "2024-01-04": 10, "2024-01-05": 10, "2024-01-08": 10 }),
    },
    volumes: {
      A: [
        { date: "2024-01-02", volume: 1000 },
        { date: "2024-01-03", volume: 400 },
        { date: "2024-01-05", volume: 2000 },
        { date: "2024-01-08", volume: 1000 },
      ],
    },
    schedule: [
      { rebalance_date: "2024-01-02", weights: { A: 1 } },
      { rebalance_date: "2024-01-08", weights: {} },
    ],
    start: "2024-01-02",
    end: "2024-01-08",
    initialCapital: 10_000,
    fractional: false,
    slippageModel: "volume_participation",
    participation: { maxShare: 0.1, impact: 0.5 },
  };

  it("fills 10% of each day's volume at close × (1 ± 0.5 × 0.1²), the rest on the next sessions", () => {
    const r = run(input);
    // 100 of 1,000; 40 of 400 (Jan 4 has no print); 200 of 2,000; Jan 8: the new target (nothing) replaces
    // the open buy, and 100 of the 340 are sold at 10 × (1 − 0.005)
    expect(r.trades.map((t) => [t.date, t.qty, t.fee])).toEqual([
      ["2024-01-02", 100, 0],
      ["2024-01-03", 40, 0],
      ["2024-01-05", 200, 0],
      ["2024-01-08", -100, 0],
    ]);
    for (const [i, price] of [10.05, 10.05, 10.05, 9.95].entries()) expect(r.trades[i]?.price).toBeCloseTo(price, 12);
    // cash: 10,000 − 1,005 = 8,995 → − 402 = 8,593 → − 2,010 = 6,583 → + 995 = 7,578
    expect(values(r)).toEqual([9_995, 9_993, 9_993, 9_983, 9_978]);
  });

  it("the flat model ignores volume and buys the whole target at once", () => {
    const r = run({ ...input, slippageModel: "bps" });
    expect(r.trades[0]).toEqual({ date: "2024-01-02", symbol: "A", qty: 1000, price: 10, fee: 0 });
  });

  it("refuses a participation share outside (0, 1]", () => {
    const r = runBacktest({ ...input, participation: { maxShare: 0, impact: 0.1 } });
    expect(r).toMatchObject({ ok: false, reason: "invalid_costs" });
  });
});

describe("books with flows", () => {
  it("never lets cash go negative and reconciles to the cent, whatever the flows and fill model", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom("cash", "reinvest", "ignore" as const),
        fc.constantFrom("bps", "volume_participation" as const),
        fc.boolean(),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (seed, dividendPolicy, slippageModel, fractional, feeBps) => {
          const rand = seededRandom(seed);
          const dates = weekdays("2023-01-02", 70);
          const symbols = ["S0", "S1", "S2"];
          const prices: Record<string, PricePoint[]> = {};
          const volumes: Record<string, { date: string; volume: number }[]> = {};
          const dividends: Record<string, { ex_date: string; amount: number }[]> = {};
          for (const s of symbols) {
            prices[s] = randomWalk(dates, rand, 5 + rand() * 200).filter(() => rand() > 0.1);
            volumes[s] = (prices[s] ?? []).map((p) => ({ date: p.date, volume: Math.floor(rand() * 5000) }));
            dividends[s] = [{ ex_date: dates[Math.floor(rand() * 70)] as string, amount: rand() * 3 }];
          }
          const schedule = ["2023-01-02", "2023-02-01", "2023-03-01"].map((rebalance_date) => ({
            rebalance_date,
            weights: Object.fromEntries(symbols.map((s) => [s, 0.3])),
          }));
          const input: BacktestInput = {
            prices,
            volumes,
            dividends,
            dividendPolicy,
            slippageModel,
            contributions: [{ date: dates[Math.floor(rand() * 70)] as string, amount: 1 + rand() * 5000 }],
            schedule,
            start: "2023-01-02",
            end: "2023-04-07",
            initialCapital: 1000 + rand() * 100_000,
            feeBps,
            slippageBps: 5,
            fractional,
          };
          const r = runBacktest(input);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const rec = reconcileBacktest(input, r.value);
          expect(rec.mismatches).toEqual([]);
          expect(rec.min_cash_minor).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
