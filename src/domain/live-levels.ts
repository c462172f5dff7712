// Live level of a custom index between closes: the units in force from its last rebalance, marked at live prices.

export interface AllocationRow {
  symbol: string;
  weight: number;
  /** Index units the engine stored for this rebalance; null on rows written before units were kept. */
  shares: number | null;
  /** Index level on the rebalance date and the constituent's close then, used only when `shares` is null. */
  rebalanceValue?: number | null;
  rebalancePrice?: number | null;
}

/**
 * Units per symbol. Stored units are used as they are; otherwise they are rebuilt the way the engine sets them
 * at a rebalance (weight × level ÷ close), so Σ units × close equals the level on that day.
 */
export function unitsOf(rows: readonly AllocationRow[]): Record<string, number> | null {
  const units: Record<string, number> = {};
  for (const r of rows) {
    if (r.shares !== null && Number.isFinite(r.shares)) {
      units[r.symbol] = r.shares;
      continue;
    }
    const value = r.rebalanceValue;
    const price = r.rebalancePrice;
    if (!(value && price && value > 0 && price > 0 && Number.isFinite(r.weight))) return null;
    units[r.symbol] = (r.weight * value) / price;
  }
  return Object.keys(units).length ? units : null;
}

/** Σ units × price; null when a held constituent has no price (a partial sum would be a wrong level, not a late one). */
export function liveLevel(units: Readonly<Record<string, number>>, prices: ReadonlyMap<string, number>): number | null {
  let level = 0;
  for (const [symbol, u] of Object.entries(units)) {
    if (u === 0) continue;
    const price = prices.get(symbol);
    if (price === undefined || !Number.isFinite(price)) return null;
    level += u * price;
  }
  return level;
}
