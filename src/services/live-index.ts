// Live index levels for the indexes someone streams: the ready version's latest allocation marked at the tick's prices.
import { type AllocationInForce, allocationsInForce } from "../db/indexes";
import { type AllocationRow, liveLevel, unitsOf } from "../domain/live-levels";
import type { LiveQuote } from "../domain/ticks";

/** An index's allocation in force as a tick finds it: its units, each holding's price, the target weights. */
export interface MarkedIndex {
  id: string;
  units: Record<string, number>;
  /** The tick's price where it has one, else the stored quote; holdings priced by neither are absent. */
  prices: Record<string, number>;
  /** The weights the last rebalance set. */
  targets: Record<string, number>;
}

/**
 * The allocations in force of `indexIds` that hold at least one ticked symbol, marked at the tick. The tick's
 * own price wins over the stored quote, in case a caller publishes before storing.
 */
export async function markedIndexes(env: Env, quotes: LiveQuote[], indexIds: string[]): Promise<MarkedIndex[]> {
  if (!indexIds.length || !quotes.length) return [];
  const ticked = new Map(quotes.map((q) => [q.symbol, q.price]));
  const byIndex = new Map<string, AllocationInForce[]>();
  for (const r of await allocationsInForce(env.DB, indexIds)) {
    const rows = byIndex.get(r.id);
    if (rows) rows.push(r);
    else byIndex.set(r.id, [r]);
  }
  const out: MarkedIndex[] = [];
  for (const [id, rows] of byIndex) {
    if (!rows.some((r) => ticked.has(r.symbol))) continue;
    const units = unitsOf(rows.map(toAllocation));
    if (!units) continue;
    const prices: Record<string, number> = {};
    for (const r of rows) {
      const p = ticked.get(r.symbol) ?? r.price;
      if (p !== null && p !== undefined) prices[r.symbol] = p;
    }
    out.push({ id, units, prices, targets: Object.fromEntries(rows.map((r) => [r.symbol, r.weight])) });
  }
  return out;
}

/** The latest time among the tick's quotes: what live levels and index alerts are stamped with. */
export const tickTime = (quotes: LiveQuote[]) => quotes.map((q) => q.ts).sort()[quotes.length - 1] as string;

/** Levels of the watched indexes that hold at least one ticked symbol, stamped with the tick's time. */
export async function liveIndexLevels(
  env: Env,
  quotes: LiveQuote[],
  watched: string[],
): Promise<Array<{ id: string; value: number; ts: string }>> {
  const marked = await markedIndexes(env, quotes, watched);
  if (!marked.length) return [];
  const ts = tickTime(quotes);
  const levels: Array<{ id: string; value: number; ts: string }> = [];
  for (const m of marked) {
    const value = liveLevel(m.units, m.prices);
    if (value !== null) levels.push({ id: m.id, value: Math.round(value * 1e6) / 1e6, ts });
  }
  return levels;
}

const toAllocation = (r: AllocationInForce): AllocationRow => ({
  symbol: r.symbol,
  weight: r.weight,
  shares: r.shares,
  rebalanceValue: r.rebalance_value,
  rebalancePrice: r.rebalance_price,
});
