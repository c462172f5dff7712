// Simulations with v1.1's inputs through the real app and D1: dividends (cash, reinvest, ignore) from stored
// corporate actions on split-adjusted prices, contributions with TWR and MWR, and volume-participation fills,
// each against a hand derivation; bad inputs are 400s naming the field.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { rebuildAdjustmentFactors, upsertCorporateActions } from "../../src/db/market-events";
import { simulationJob } from "../../src/services/simulations";
import { call, rowCount, userToken } from "../helpers/http";
import { insertAssets, insertBars } from "../helpers/market";

let owner: { id: string; token: string };
const DAYS = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"];
const index = {
  name: "Flows",
  constituents: ["CFA", "CFB"],
  weighting: "equal",
  rebalance: "monthly",
  base_date: "2024-01-30",
  base_value: 1000,
};
const request = { index, start: "2024-01-30", end: "2024-02-02", initial_capital: 10_000 };

beforeAll(async () => {
  owner = await userToken();
  const ids = await insertAssets([
    { symbol: "CFA", name: "Flows A" },
    { symbol: "CFB", name: "Flows B" },
  ]);
  // CFA: raw 10 then 9.50 from its 0.50 ex-date (Jan 31). CFB: a 2-for-1 split on Feb 1 (raw 20 → 10) and a 1.00
  // dividend per pre-split share going ex on Jan 31: 0.50 per today's share. Volumes (helper): 1000 + day.
  await insertBars(ids.get("CFA")!, DAYS, (i) => [10, 9.5, 9.5, 9.5][i]!);
  await insertBars(ids.get("CFB")!, DAYS, (i) => [20, 20, 10, 10][i]!);
  await upsertCorporateActions(
    env.DB,
    [
      { assetId: ids.get("CFA")!, kind: "dividend", date: "2024-01-31", amount: 0.5 },
      { assetId: ids.get("CFB")!, kind: "dividend", date: "2024-01-31", amount: 1 },
      { assetId: ids.get("CFB")!, kind: "split", date: "2024-02-01", ratio: 2 },
    ],
    "test",
  );
  await rebuildAdjustmentFactors(env.DB, [ids.get("CFA")!, ids.get("CFB")!]);
});

async function simulated(json: Record<string, unknown>) {
  const created = await call("/v1/simulations", { method: "POST", token: owner.token, json: { ...request, ...json } });
  expect(created.status).toBe(202);
  expect(await simulationJob(env, { simulation_id: created.body.id })).toBe("succeeded");
  return (await call(`/v1/simulations/${created.body.id}`, { token: owner.token })).body;
}
const values = (r: { equity_curve: { value: number }[] }) => r.equity_curve.map((p) => p.value);

describe("dividends", () => {
  it("cash (the default): 500 × 0.50 from each, on split-adjusted prices, then spent by the Feb 1 rebalance", async () => {
    const r = await simulated({});
    expect(r).toMatchObject({ dividends: "cash", slippage_model: "bps", contributions: [] });
    expect(r.cash_flows).toEqual([
      { date: "2024-01-31", kind: "dividend", symbol: "CFA", amount: 250 },
      { date: "2024-01-31", kind: "dividend", symbol: "CFB", amount: 250 },
    ]);
    // Jan 30: 500 CFA @10, 500 CFB @10 (split-adjusted 20/2). Jan 31: 500 cash + 4,750 + 5,000 = 10,250.
    // Feb 1 at 10,250: CFA to 5,125/9.5 = 539.473684 (buy 39.473684 for 375.00), CFB to 512.5 (buy 12.5 for 125).
    expect(values(r)).toEqual([10_000, 10_250, 10_250, 10_250]);
    expect(r.trades).toEqual([
      { date: "2024-01-30", symbol: "CFA", qty: 500, price: 10, fee: 0 },
      { date: "2024-01-30", symbol: "CFB", qty: 500, price: 10, fee: 0 },
      { date: "2024-02-01", symbol: "CFA", qty: 39.473684, price: 9.5, fee: 0 },
      { date: "2024-02-01", symbol: "CFB", qty: 12.5, price: 10, fee: 0 },
    ]);
    expect(r.final_cash).toBe(0);
  });

  it("reinvest: each dividend buys its own symbol at the ex-date's close", async () => {
    const r = await simulated({ dividends: "reinvest" });
    // Jan 31: 250 / 9.5 = 26.315789 CFA (249.999996 → 250.00), 250 / 10 = 25 CFB; Feb 1 rebalances at 10,250.
    expect(r.trades.slice(2, 4)).toEqual([
      { date: "2024-01-31", symbol: "CFA", qty: 26.315789, price: 9.5, fee: 0 },
      { date: "2024-01-31", symbol: "CFB", qty: 25, price: 10, fee: 0 },
    ]);
    expect(values(r)).toEqual([10_000, 10_250, 10_250, 10_250]);
  });

  it("ignore: price return only; the Feb 1 rebalance moves 125 from CFB to CFA", async () => {
    const r = await simulated({ dividends: "ignore" });
    expect(r.cash_flows).toEqual([]);
    // Jan 31: 4,750 + 5,000. Feb 1 at 9,750: CFB to 487.5 (sell 12.5), CFA to 4,875/9.5 = 513.157894.
    expect(values(r)).toEqual([10_000, 9_750, 9_750, 9_750]);
    expect(r.trades.slice(2)).toEqual([
      { date: "2024-02-01", symbol: "CFB", qty: -12.5, price: 10, fee: 0 },
      { date: "2024-02-01", symbol: "CFA", qty: 13.157894, price: 9.5, fee: 0 },
    ]);
  });
});

describe("contributions", () => {
  it("spends 1,000 paid in on Jan 31 by the weights in force; TWR leaves it out, MWR solves the IRR", async () => {
    const r = await simulated({ dividends: "ignore", contributions: [{ date: "2024-01-31", amount: 1000 }] });
    expect(r.contributions).toEqual([{ date: "2024-01-31", amount: 1000 }]);
    expect(r.cash_flows).toEqual([{ date: "2024-01-31", kind: "contribution", symbol: null, amount: 1000 }]);
    // 500 → 52.631578 CFA @9.5 (500.00), 500 → 50 CFB @10. Jan 31: 552.631578·9.5 + 550·10 = 10,750.
    expect(r.trades.slice(2, 4)).toEqual([
      { date: "2024-01-31", symbol: "CFA", qty: 52.631578, price: 9.5, fee: 0 },
      { date: "2024-01-31", symbol: "CFB", qty: 50, price: 10, fee: 0 },
    ]);
    expect(values(r)).toEqual([10_000, 10_750, 10_750, 10_750]);
    // TWR = 10,750 / (10,000 + 1,000) − 1; the metrics read the same flow-adjusted curve
    expect(r.twr).toBeCloseTo(10_750 / 11_000 - 1, 12);
    expect(r.metrics!.total_return).toBeCloseTo(10_750 / 11_000 - 1, 12);
    // MWR: 10,000·x⁴ + 1,000·x² = 10,750 with x = (1 + r)^(1/365) (the capital at the close of Jan 29, before the
    // first session, 1,000 paid Jan 31, valued Feb 2); Newton on x.
    let x = 1;
    for (let k = 0; k < 50; k++) x -= (10_000 * x ** 4 + 1_000 * x ** 2 - 10_750) / (40_000 * x ** 3 + 2_000 * x);
    expect(r.mwr! / (x ** 365 - 1)).toBeCloseTo(1, 6);
  });
});

describe("volume participation", () => {
  it("fills at most 2.5% of the day's split-adjusted volume at close × (1 + 0.1 × 0.025²)", async () => {
    const r = await simulated({ dividends: "ignore", slippage_model: "volume_participation" });
    expect(r.slippage_model).toBe("volume_participation");
    // Jan 30: CFA 2.5% of 1,000 = 25; CFB 2.5% of 1,000 × 2 (split-adjusted) = 50; price 10 × 1.0000625
    expect(r.trades.slice(0, 2).map((t: { symbol: string; qty: number }) => [t.symbol, t.qty])).toEqual([
      ["CFA", 25],
      ["CFB", 50],
    ]);
    expect(r.trades[0]!.price).toBeCloseTo(10.000625, 12);
    const volume: Record<string, number[]> = { CFA: [1000, 1001, 1002, 1003], CFB: [2000, 2002, 1002, 1003] };
    for (const t of r.trades as { date: string; symbol: string; qty: number }[]) {
      expect(Math.abs(t.qty)).toBeLessThanOrEqual(0.025 * volume[t.symbol]![DAYS.indexOf(t.date)]! + 1e-9);
    }
    // the rest waits: the first day's buys leave most of the 10,000 in cash
    expect(r.equity_curve[0]!.value).toBeLessThan(10_000);
    expect(r.trades.filter((t: { date: string }) => t.date === "2024-01-31")).toHaveLength(2);
  });
});

describe("validation", () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["unknown dividends policy", { dividends: "keep" }, "dividends"],
    ["unknown slippage model", { slippage_model: "impact" }, "slippage_model"],
    ["contribution outside the run", { contributions: [{ date: "2024-03-01", amount: 5 }] }, "contributions.0.date"],
    ["non-positive contribution", { contributions: [{ date: "2024-01-31", amount: 0 }] }, "contributions.0.amount"],
    ["unknown contribution field", { contributions: [{ date: "2024-01-31", amount: 5, x: 1 }] }, "contributions.0.x"],
  ];
  it.each(bad)("%s → 400 naming %s, nothing written", async (_name, json, path) => {
    const before = await rowCount("simulations");
    const r = await call("/v1/simulations", { method: "POST", token: owner.token, json: { ...request, ...json } });
    expect(r.status).toBe(400);
    expect(r.problem.errors!.map((e: { path: string }) => e.path)).toContain(path);
    expect(await rowCount("simulations")).toBe(before);
  });
});
