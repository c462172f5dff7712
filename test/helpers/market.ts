// Test market data: a few assets with hand-made bars written through the real bulk-upsert path.
import { env } from "cloudflare:test";
import { upsertBars, upsertMarketCaps, upsertQuotes } from "../../src/db/price-store";

export interface TestAsset {
  symbol: string;
  name: string;
  sector?: string;
  asset_class?: "equity" | "etf";
  exchange?: string;
}

/** Weekdays from `start`, `count` of them. */
export function weekdays(start: string, count: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < count) {
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

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
