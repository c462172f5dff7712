// The market the index route suites share: AAA/BBB/SPY over four sessions around a monthly rebalance, CCC/DDD
// over 300 weekdays with market caps, an asset without bars; and the create-then-build step they all take.
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { buildJob } from "../../src/services/index-builds";
import { call } from "./http";
import { insertAssets, insertBars, insertMarketCap, TWO_EQUAL, weekdays } from "./market";

// Jan 30 – Feb 2 2024: a monthly index rebalances on Jan 30 (base) and Feb 1 (first session of February).
export const DAYS = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"];
export const AAA = [10, 20, 20, 10];
export const BBB = [10, 10, 10, 10];
export const SPY = [100, 110, 99, 110];

export const definition = { ...TWO_EQUAL, benchmark: "SPY" };

/** Creates the index (202) and runs its build job in line. */
export async function createAndBuild(body: Record<string, unknown>, token: string) {
  const created = await call("/v1/indexes", { method: "POST", token, json: body });
  expect(created.status).toBe(202);
  const stats = await buildJob(env, { index_id: created.body.id, version: created.body.version });
  return { id: created.body.id as string, created, stats };
}

/** Inserts the shared market; returns asset ids by symbol. */
export async function insertIndexMarket(): Promise<Map<string, number>> {
  const ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
    { symbol: "CCC", name: "Gamma" },
    { symbol: "DDD", name: "Delta" },
    { symbol: "SPY", name: "S&P 500 ETF", asset_class: "etf" },
    { symbol: "NODATA", name: "No bars" },
  ]);
  await insertBars(ids.get("AAA")!, DAYS, (i) => AAA[i]!);
  await insertBars(ids.get("BBB")!, DAYS, (i) => BBB[i]!);
  await insertBars(ids.get("SPY")!, DAYS, (i) => SPY[i]!);
  // a longer history for metrics and market-cap weighting
  const long = weekdays("2023-01-02", 300);
  await insertBars(ids.get("CCC")!, long, (i) => 50 * (1 + 0.3 * Math.sin(i / 9)) + i * 0.05);
  await insertBars(ids.get("DDD")!, long, (i) => 80 * (1 + 0.2 * Math.cos(i / 13)) + i * 0.02);
  await insertMarketCap(ids.get("CCC")!, "2023-01-02", 3e9);
  await insertMarketCap(ids.get("DDD")!, "2023-01-02", 1e9);
  return ids;
}
