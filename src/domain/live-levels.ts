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

/**
 * The one live-level rule: Σ units × price, each symbol priced at its latest quote, else at `lastCloses` (its
 * last known price), as the daily engine carries prices. Symbols priced by neither are listed in `missing`.
 */
export function liveIndexValue(
  allocation: { shares: Readonly<Record<string, number>> },
  quotes: Readonly<Record<string, number | undefined>>,
  lastCloses: Readonly<Record<string, number | undefined>> = {},
): { value: number; missing: string[] } {
  let value = 0;
  const missing: string[] = [];
  for (const [symbol, units] of Object.entries(allocation.shares)) {
    const price = quotes[symbol] ?? lastCloses[symbol];
    if (price === undefined || !Number.isFinite(price)) missing.push(symbol);
    else value += units * price;
  }
  return { value, missing };
}

/**
 * The level the stream sends: `liveIndexValue` over the units actually held, or null when a held constituent has
 * no price at all (a partial sum would be a wrong level, not a late one).
 */
export function liveLevel(
  units: Readonly<Record<string, number>>,
  quotes: Readonly<Record<string, number | undefined>>,
  lastCloses: Readonly<Record<string, number | undefined>> = {},
): number | null {
  const held = Object.fromEntries(Object.entries(units).filter(([, u]) => u !== 0));
  const { value, missing } = liveIndexValue({ shares: held }, quotes, lastCloses);
  return missing.length ? null : value;
}
