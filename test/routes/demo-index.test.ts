// The local-development demo index: created and built synchronously (no queue), ready at once.
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { createDemoIndex } from "../../src/services/index-builds";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, insertMarketCap, weekdays } from "../helpers/market";

it("builds a ready, capped, market-cap weighted demo index", async () => {
  const user = await userToken("user", "demo@edgeindex.dev");
  const symbols = ["AAPL", "MSFT", "NVDA", "GOOGL", "AMZN", "SPY"];
  const ids = await insertAssets(symbols.map((symbol) => ({ symbol, name: symbol })));
  const start = new Date(Date.now() - 3.2 * 365 * 86_400_000).toISOString().slice(0, 10);
  const days = weekdays(start, 830);
  for (const [k, symbol] of symbols.entries()) {
    await insertBars(ids.get(symbol)!, days, (i) => 100 + k * 10 + 5 * Math.sin(i / (7 + k)) + i * 0.02 * (k + 1));
    await insertMarketCap(ids.get(symbol)!, days[0]!, (k + 1) * 1e11);
  }

  const row = await createDemoIndex(env, user.id);
  expect(row).toMatchObject({ name: "Big Tech Capped", status: "ready", readyVersion: 1, benchmarkUsed: "SPY" });
  const list = await call("/v1/indexes", { token: user.token });
  expect(list.body.data).toHaveLength(1);
  expect(list.body.data[0]).toMatchObject({ weighting: "market_cap", max_weight: 0.25, rebalance: "monthly" });
  const allocation = await call(`/v1/indexes/${row!.id}/allocations`, { token: user.token });
  expect(allocation.body.weights).toHaveLength(5);
  for (const w of allocation.body.weights) expect(w.weight).toBeLessThanOrEqual(0.25 + 1e-9);
  expect(allocation.body.weights.every((w) => w.shares! > 0)).toBe(true);
  const metrics = await call(`/v1/indexes/${row!.id}/metrics?window=1y`, { token: user.token });
  expect(metrics.body.volatility).toBeGreaterThan(0);
  expect(metrics.body.beta).not.toBeNull();
});
