// Market-cap history per asset: the dated observations point-in-time weights are read from.

export interface MarketCapView {
  date: string;
  market_cap: number;
  shares_outstanding: number | null;
}

/** One ascending page of an asset's observations in [start, end] after the keyset date; fetches limit + 1. */
export async function readMarketCapHistory(
  db: D1Database,
  q: { assetId: number; start?: string; end?: string; after?: string; limit: number },
): Promise<MarketCapView[]> {
  const { results } = await db
    .prepare(
      `SELECT date, market_cap, shares_outstanding FROM market_caps
       WHERE asset_id = ?1 AND (?2 IS NULL OR date >= ?2) AND (?3 IS NULL OR date <= ?3) AND (?4 IS NULL OR date > ?4)
       ORDER BY date LIMIT ?5`,
    )
    .bind(q.assetId, q.start ?? null, q.end ?? null, q.after ?? null, q.limit + 1)
    .all<MarketCapView>();
  return results;
}
