import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BacktestInput, executionPrice, runBacktest } from "../../src/domain/backtest";
import { reconcileBacktest } from "../../src/domain/backtest-reconcile";
import { buildPriceMatrix, type PricePoint } from "../../src/domain/price-matrix";
import { randomWalk, seededRandom, series, weekdays } from "./market-fixtures";

function run(input: BacktestInput) {
  const r = runBacktest(input);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  const rec = reconcileBacktest(input, r.value);
  expect(rec).toMatchObject({ ok: true, mismatches: [] });
  return r.value;
}

const twoDays = { A: series({ "2024-01-02": 100, "2024-01-03": 150 }) };

describe("backtest", () => {
  it("scales a buy down so its fee fits in the cash", () => {
    // 10,000 at 100 wants 100 shares = 10,000 + 10 bps fee (10) > cash → scale 10000/10010 → 99 shares:
    // 9,900 + 9.90 fee, cash 90.10; next day 90.10 + 99 × 150 = 14,940.10
    const r = run({
      prices: twoDays,
      schedule: [{ rebalance_date: "2024-01-02", weights: { A: 1 } }],
      start: "2024-01-02",
      end: "2024-01-03",
      initialCapital: 10_000,
      feeBps: 10,
      fractional: false,
    });
    expect(r.trades).toEqual([{ date: "2024-01-02", symbol: "A", qty: 99, price: 100, fee: 9.9 }]);
    expect(r.equity_curve).toEqual([
      { date: "2024-01-02", value: 10_000 - 9.9 },
      { date: "2024-01-03", value: 14_940.1 },
    ]);
    expect(r.final_cash).toBe(90.1);
    expect(r.fees_paid).toBe(9.9);
  });

  it("charges slippage in the execution price, against the trader on both sides", () => {
    expect(executionPrice(100, "buy", 25)).toBeCloseTo(100.25, 12);
    expect(executionPrice(100, "sell", 25)).toBeCloseTo(99.75, 12);
    // buy 1,000 at 100.25 with fractional shares: 9.975062 shares (floored to 6 places), cost 999.99
    const r = run({
      prices: twoDays,
      schedule: [{ rebalance_date: "2024-01-02", weights: { A: 1 } }],
      start: "2024-01-02",
      end: "2024-01-03",
      initialCapital: 1_000,
      slippageBps: 25,
      fractional: true,
    });
    expect(r.trades[0]).toMatchObject({ qty: 9.975062, fee: 0 });
    expect(r.trades[0]?.price).toBeCloseTo(100.25, 12);
    // 9.975062 × 100.25 = 999.99996… → 1000.00 after rounding to the cent; cash 0
    expect(r.final_cash).toBe(0);
  });

  it("sells first, then buys, at each scheduled rebalance", () => {
    // Day 1: 50/50 of 1,000 → 5 A at 100, 5 B at 100. Day 2: A 200 → equity 1,500 → target 3.75 → 3 A, 7 B
    // (sell 2 A for 400; buy 2 B for 200; cash 200) ; day 3 value 200 + 3·200 + 7·100 = 1,500
    const r = run({
      prices: {
        A: series({ "2024-01-31": 100, "2024-02-01": 200, "2024-02-02": 200 }),
        B: series({ "2024-01-31": 100, "2024-02-01": 100, "2024-02-02": 100 }),
      },
      schedule: [
        { rebalance_date: "2024-01-31", weights: { A: 0.5, B: 0.5 } },
        { rebalance_date: "2024-02-01", weights: { A: 0.5, B: 0.5 } },
      ],
      start: "2024-01-31",
      end: "2024-02-02",
      initialCapital: 1_000,
      fractional: false,
    });
    expect(r.trades.map((t) => [t.date, t.symbol, t.qty])).toEqual([
      ["2024-01-31", "A", 5],
      ["2024-01-31", "B", 5],
      ["2024-02-01", "A", -2],
      ["2024-02-01", "B", 2],
    ]);
    expect(r.equity_curve.map((p) => p.value)).toEqual([1_000, 1_500, 1_500]);
    expect(r.positions).toEqual({ A: 3, B: 7 });
  });

  it("starts from the allocation in force on the start date", () => {
    const r = run({
      prices: twoDays,
      schedule: [
        { rebalance_date: "2023-01-02", weights: { A: 1 } },
        { rebalance_date: "2030-01-02", weights: { A: 0 } },
      ],
      start: "2024-01-02",
      end: "2024-01-03",
      initialCapital: 1_000,
      fractional: false,
    });
    expect(r.trades).toEqual([{ date: "2024-01-02", symbol: "A", qty: 10, price: 100, fee: 0 }]);
  });

  it("keeps the weight of a symbol without a price yet in cash", () => {
    const r = run({
      prices: { A: twoDays.A, B: series({ "2024-01-03": 10 }) },
      schedule: [{ rebalance_date: "2024-01-02", weights: { A: 0.5, B: 0.5 } }],
      start: "2024-01-02",
      end: "2024-01-03",
      initialCapital: 1_000,
      fractional: false,
    });
    expect(r.positions).toEqual({ A: 5 });
    expect(r.equity_curve[1]?.value).toBe(500 + 5 * 150);
  });

  it("equals the price ratio exactly for a zero-fee buy and hold that divides evenly", () => {
    // 10,000 / 100 = 100 shares; 100 × 123.45 = 12,345.00 = 10,000 × 1.2345
    const r = run({
      prices: { A: series({ "2024-01-02": 100, "2024-06-03": 123.45 }) },
      schedule: [{ rebalance_date: "2024-01-02", weights: { A: 1 } }],
      start: "2024-01-02",
      end: "2024-06-03",
      initialCapital: 10_000,
      fractional: false,
    });
    expect(r.equity_curve.at(-1)?.value).toBe(12_345);
  });

  it.each([
    [{ initialCapital: 0 }, "invalid_capital"],
    [{ initialCapital: 0.001 }, "invalid_capital"],
    [{ feeBps: -1 }, "invalid_costs"],
    [{ slippageBps: Number.NaN }, "invalid_costs"],
    [{ start: "2024-02-01", end: "2024-01-01" }, "invalid_range"],
    [{ schedule: [{ rebalance_date: "2024-01-02", weights: { A: 0.7, B: 0.7 } }] }, "invalid_weights"],
    [{ schedule: [{ rebalance_date: "2024-01-02", weights: { A: -0.1 } }] }, "invalid_weights"],
    [{ start: "2025-01-01", end: "2025-12-31" }, "no_prices"],
  ] as const)("refuses %j with %s", (change, reason) => {
    const r = runBacktest({
      prices: twoDays,
      schedule: [{ rebalance_date: "2024-01-02", weights: { A: 1 } }],
      start: "2024-01-02",
      end: "2024-01-03",
      initialCapital: 1_000,
      fractional: false,
      ...change,
    });
    expect(r).toMatchObject({ ok: false, reason });
  });
});

describe("backtest properties", () => {
  it("a zero-fee fractional buy and hold ends at capital × price ratio, to the cent", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1000, noNaN: true }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        fc.integer({ min: 100, max: 10_000_000 }),
        (p0, ratio, capital) => {
          const p1 = p0 * ratio;
          const input: BacktestInput = {
            prices: {
              A: [
                { date: "2024-01-02", close: p0 },
                { date: "2024-12-31", close: p1 },
              ],
            },
            schedule: [{ rebalance_date: "2024-01-02", weights: { A: 1 } }],
            start: "2024-01-02",
            end: "2024-12-31",
            initialCapital: capital,
            fractional: true,
          };
          const r = run(input);
          // unspent cash is under one 10⁻⁶ share (≤ 0.1 cent at ≤ 1,000), plus half-cent roundings
          expect(Math.abs((r.equity_curve.at(-1)?.value as number) - capital * (p1 / p0))).toBeLessThanOrEqual(0.015);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never lets cash go negative and always reconciles to the cent with its trades", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.integer({ min: 50, max: 1_000_000 }),
        (seed, count, fractional, feeBps, slippageBps, capital) => {
          const rand = seededRandom(seed);
          const dates = weekdays("2023-01-02", 90);
          const symbols = Array.from({ length: count }, (_, i) => `S${i}`);
          const prices: Record<string, PricePoint[]> = {};
          for (const s of symbols)
            prices[s] = randomWalk(dates.slice(Math.floor(rand() * 30)), rand, 1 + rand() * 400).filter(
              () => rand() > 0.1,
            );
          const schedule = ["2023-01-02", "2023-02-01", "2023-03-01", "2023-04-03"].map((rebalance_date) => {
            const raw = symbols.map(() => rand());
            const total = raw.reduce((a, b) => a + b, 0);
            return {
              rebalance_date,
              weights: Object.fromEntries(symbols.map((s, i) => [s, (raw[i] as number) / total])),
            };
          });
          const input = {
            prices,
            schedule,
            start: "2023-01-02",
            end: "2023-05-05",
            initialCapital: capital,
            feeBps,
            slippageBps,
            fractional,
          };
          const r = runBacktest(input);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const rec = reconcileBacktest(input, r.value);
          expect(rec.mismatches).toEqual([]);
          expect(rec.min_cash_minor).toBeGreaterThanOrEqual(0);
          expect(r.value.final_cash).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("backtest on a prebuilt price matrix", () => {
  const prices = {
    A: series({ "2024-01-01": 50, "2024-01-02": 100, "2024-01-03": 150 }),
    B: series({ "2024-01-02": 20, "2024-01-04": 25 }),
  };
  const input: BacktestInput = {
    prices,
    schedule: [{ rebalance_date: "2024-01-02", weights: { B: 0.4, A: 0.6 } }],
    start: "2024-01-02",
    end: "2024-01-04",
    initialCapital: 10_000,
    feeBps: 5,
    fractional: false,
  };

  it("equals the run on the history when the matrix has the scheduled columns in schedule order", () => {
    const matrix = buildPriceMatrix(prices, ["B", "A"], { start: input.start, end: input.end });
    expect(run({ ...input, prices: matrix })).toEqual(run(input));
    // B wants 200 @20, A 60 @100: 10,000 + 5 fees > cash → scale 10000/10005 → B 199 (fee 1.99), A 59 (fee 2.95),
    // cash 115.06; Jan 4: A carries 150 (no print), B 25 → 115.06 + 59·150 + 199·25
    expect(run(input).equity_curve.at(-1)).toEqual({ date: "2024-01-04", value: 13_940.06 });
  });

  it("refuses a matrix whose columns are not the scheduled symbols in order", () => {
    const matrix = buildPriceMatrix(prices, ["A", "B"], { start: input.start, end: input.end });
    expect(() => runBacktest({ ...input, prices: matrix })).toThrow(RangeError);
  });
});
