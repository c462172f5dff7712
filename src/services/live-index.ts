// Live index levels for the indexes someone streams: the ready version's latest allocation marked at the tick's prices.
import { type AllocationRow, liveLevel, unitsOf } from "../domain/live-levels";
import type { LiveQuote } from "./live";

const ALLOCATIONS_IN_FORCE = `
WITH watched(id) AS (SELECT value FROM json_each(?1)),
cur AS (
  SELECT i.id, i.ready_version AS v,
    (SELECT MAX(rebalance_date) FROM allocations a WHERE a.index_id = i.id AND a.version = i.ready_version) AS rd
  FROM indexes i JOIN watched w ON w.id = i.id
  WHERE i.deleted_at IS NULL AND i.ready_version IS NOT NULL)
SELECT cur.id, s.symbol, a.weight, a.shares, q.price,
  CASE WHEN a.shares IS NULL THEN (SELECT iv.value FROM index_values iv WHERE iv.index_id = cur.id AND iv.version = cur.v
    AND iv.date <= cur.rd ORDER BY iv.date DESC LIMIT 1) END AS rebalance_value,
  CASE WHEN a.shares IS NULL THEN (SELECT p.close FROM prices p WHERE p.asset_id = a.asset_id AND p.date <= cur.rd
    AND p.superseded_at IS NULL ORDER BY p.date DESC LIMIT 1) END AS rebalance_price
FROM cur
JOIN allocations a ON a.index_id = cur.id AND a.version = cur.v AND a.rebalance_date = cur.rd
JOIN assets s ON s.id = a.asset_id
LEFT JOIN quotes q ON q.asset_id = a.asset_id`;

interface Row {
  id: string;
  symbol: string;
  weight: number;
  shares: number | null;
  price: number | null;
  rebalance_value: number | null;
  rebalance_price: number | null;
}

/** Levels of the watched indexes that hold at least one ticked symbol, stamped with the tick's time. */
export async function liveIndexLevels(
  env: Env,
  quotes: LiveQuote[],
  watched: string[],
): Promise<Array<{ id: string; value: number; ts: string }>> {
  if (!watched.length || !quotes.length) return [];
  const { results } = await env.DB.prepare(ALLOCATIONS_IN_FORCE).bind(JSON.stringify(watched)).all<Row>();
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
    const prices = new Map<string, number>();
    for (const r of rows) {
      const p = ticked.get(r.symbol)?.price ?? r.price;
      if (p !== null && p !== undefined) prices.set(r.symbol, p);
    }
    const value = liveLevel(units, prices);
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
