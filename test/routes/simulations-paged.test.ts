// Simulations on the paged path: the price matrix read 1, 3 or 50 assets per query gives the same backtest as
// the whole history held as objects (the unpaged path it replaced), to the cent.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../../src/domain/backtest";
import { IndexDefinitionBody } from "../../src/schemas/indexes";
import { computeDefinition } from "../../src/services/index-builds";
import { validateDefinition } from "../../src/services/index-definitions";
import { simulationJob } from "../../src/services/simulations";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, weekdays } from "../helpers/market";

let owner: { id: string; token: string };
const symbols = Array.from({ length: 7 }, (_, i) => `SPG${i}`);
const days = weekdays("2024-03-01", 70);
const prices: Record<string, { date: string; close: number }[]> = {};
const index = {
  name: "Paged sim",
  constituents: symbols,
  weighting: "equal",
  rebalance: "monthly",
  base_date: days[0],
  base_value: 1000,
};
// Starts after the base date, so closes carry in from before the simulation's first session.
const request = { index, start: days[9], end: days.at(-1), initial_capital: 100_000, fee_bps: 7, slippage_bps: 3 };

beforeAll(async () => {
  owner = await userToken();
  const ids = await insertAssets(symbols.map((symbol) => ({ symbol, name: symbol })));
  for (const [k, symbol] of symbols.entries()) {
    // a late listing, an early delisting and a series with holes exercise carry-in and carry-forward across pages
    const mine = days.filter((_, i) => (k === 2 ? i >= 25 : k === 5 ? i < 40 : k === 6 ? i % 4 !== 1 : true));
    const closeOf = (i: number) => Math.round((20 + 3 * k + Math.sin((i + 2 * k) / 4) * 4) * 100) / 100;
    await insertBars(ids.get(symbol)!, mine, closeOf);
    prices[symbol] = mine.map((date, i) => ({ date, close: closeOf(i) }));
  }
});

async function runWithPageSize(pageSize: number) {
  const created = await call("/v1/simulations", { method: "POST", token: owner.token, json: request });
  expect(created.status).toBe(202);
  expect(await simulationJob(env, { simulation_id: created.body.id }, { pageSize })).toBe("succeeded");
  return (await call(`/v1/simulations/${created.body.id}`, { token: owner.token })).body;
}

describe("simulation on the paged build path", () => {
  it("gives the same curve, trades and metrics for page sizes 1, 3 and 50, equal to the unpaged backtest", async () => {
    const [one, three, fifty] = [await runWithPageSize(1), await runWithPageSize(3), await runWithPageSize(50)];
    for (const r of [three, fifty]) {
      expect(r.equity_curve).toEqual(one.equity_curve);
      expect(r.trades).toEqual(one.trades);
      expect(r.metrics).toEqual(one.metrics);
      expect(r.final_cash).toBe(one.final_cash);
      expect(r.fees_paid).toBe(one.fees_paid);
    }
    // The unpaged path: every bar as an object, aligned by the domain in one go.
    const definition = await validateDefinition(env.DB, IndexDefinitionBody.parse(index));
    const computed = await computeDefinition(env.DB, definition, { end: request.end });
    if (!computed.ok) throw new Error(computed.detail);
    const unpaged = runBacktest({
      prices,
      schedule: computed.value.build.allocations,
      start: request.start!,
      end: request.end!,
      initialCapital: request.initial_capital,
      feeBps: request.fee_bps,
      slippageBps: request.slippage_bps,
      fractional: true,
    });
    if (!unpaged.ok) throw new Error(unpaged.detail);
    expect(one.equity_curve).toEqual(unpaged.value.equity_curve);
    expect(one.trades).toEqual(unpaged.value.trades);
    expect(one.final_cash).toBe(unpaged.value.final_cash);
    // the fixture really crosses pages, carries in and trades the late listing
    expect(one.equity_curve[0]!.date).toBe(days[9]);
    expect(one.trades.some((t: { symbol: string }) => t.symbol === "SPG2")).toBe(true);
    expect(new Set(one.trades.map((t: { symbol: string }) => t.symbol)).size).toBe(7);
  });
});
