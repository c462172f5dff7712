// Test market data: a few assets with hand-made bars written through the real bulk-upsert path.
import { env } from "cloudflare:test";
import { upsertMarketCaps } from "../../src/db/market-events";
import { upsertBars } from "../../src/db/prices";
import { upsertQuotes } from "../../src/db/quotes";

export { weekdays } from "./dates";

export interface TestAsset {
  symbol: string;
  name: string;
  sector?: string;
  asset_class?: "equity" | "etf";
  exchange?: string;
}

/** An equal-weight, monthly-rebalanced index of AAA and BBB based on 2024-01-30 (index and simulation tests). */
export const TWO_EQUAL = {
  name: "Two Equal",
  constituents: ["AAA", "BBB"],
  weighting: "equal",
  rebalance: "monthly",
  base_date: "2024-01-30",
  base_value: 1000,
};

export async function insertAssets(list: TestAsset[]): Promise<Map<string, number>> {
  for (const a of list) {
    await env.DB.prepare(
      "INSERT INTO assets (symbol, name, exchange, asset_class, currency, sector) VALUES (?, ?, ?, ?, 'USD', ?) ON CONFLICT DO NOTHING",
    )
      .bind(a.symbol, a.name, a.exchange ?? "NASDAQ", a.asset_class ?? "equity", a.sector ?? "Technology")
      .run();
  }
  const { results } = await env.DB.prepare("SELECT id, symbol FROM assets").all<{ id: number; symbol: string }>();
  return new Map(results.map((r) => [r.symbol, r.id]));
}

/** Closes follow `closeOf(i)`; open/high/low bracket it so every bar is valid. */
export async function insertBars(
  assetId: number,
  dates: string[],
  closeOf: (i: number) => number,
  recordedAt = "2024-01-01T00:00:00.000Z",
) {
  const rows = dates.map((date, i) => {
    const close = closeOf(i);
    return { assetId, date, open: close, high: close * 1.01, low: close * 0.99, close, volume: 1000 + i };
  });
  return upsertBars(env.DB, rows, "test", recordedAt);
}

export async function insertQuote(
  assetId: number,
  price: number,
  previousClose: number,
  ts = new Date().toISOString(),
) {
  await upsertQuotes(env.DB, [{ assetId, price, previousClose, ts }], "test");
}

export async function insertMarketCap(assetId: number, date: string, marketCap: number) {
  await upsertMarketCaps(env.DB, [{ assetId, date, marketCap }], "test");
}
