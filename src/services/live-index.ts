// Live index levels for the indexes someone streams: the ready version's latest allocation marked at the tick's prices.
import { type AllocationInForce, allocationsInForce } from "../db/indexes";
import { type AllocationRow, liveLevel, unitsOf } from "../domain/live-levels";
import type { LiveQuote } from "../domain/ticks";

type Row = AllocationInForce;

/** Levels of the watched indexes that hold at least one ticked symbol, stamped with the tick's time. */
export async function liveIndexLevels(
  env: Env,
  quotes: LiveQuote[],
  watched: string[],
): Promise<Array<{ id: string; value: number; ts: string }>> {
  if (!watched.length || !quotes.length) return [];
  const results = await allocationsInForce(env.DB, watched);
  const ticked = new Map(quotes.map((q) => [q.symbol, q]));
  const ts = quotes.map((q) => q.ts).sort()[quotes.length - 1]!;
  const byIndex = new Map<string, Row[]>();
  for (const r of results) {
    const rows = byIndex.get(r.id);
    if (rows) rows.push(r);
    else byIndex.set(r.id, [r]);
  }
  const levels: Array<{ id: string; value: number; ts: string }> = [];
  for (const [id, rows] of byIndex) {
    if (!rows.some((r) => ticked.has(r.symbol))) continue;
    const units = unitsOf(rows.map(toAllocation));
    if (!units) continue;
    // The tick's own price wins over the stored quote, in case a caller publishes before storing.
    const tickPrices: Record<string, number> = {};
    const storedPrices: Record<string, number> = {};
    for (const r of rows) {
      const p = ticked.get(r.symbol)?.price;
      if (p !== undefined) tickPrices[r.symbol] = p;
      if (r.price !== null) storedPrices[r.symbol] = r.price;
    }
    const value = liveLevel(units, tickPrices, storedPrices);
    if (value !== null) levels.push({ id, value: Math.round(value * 1e6) / 1e6, ts });
  }
  return levels;
}

const toAllocation = (r: Row): AllocationRow => ({
  symbol: r.symbol,
  weight: r.weight,
  shares: r.shares,
  rebalanceValue: r.rebalance_value,
  rebalancePrice: r.rebalance_price,
});
