// Reads only the insights need: asset ids by symbol (delisted ones too) and data events since a build.

/** Ids of the assets with these symbols, deleted ones included (a past constituent still has history). */
export async function assetIdsBySymbol(db: D1Database, symbols: readonly string[]): Promise<Map<string, number>> {
  if (symbols.length === 0) return new Map();
  const { results } = await db
    .prepare("SELECT id, symbol FROM assets WHERE symbol IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(symbols))
    .all<{ id: number; symbol: string }>();
  return new Map(results.map((r) => [r.symbol, r.id]));
}

export interface RecordedAction {
  symbol: string;
  kind: "split" | "dividend";
  date: string;
  ratio: number | null;
  amount: number | null;
}

/**
 * Corporate actions of these assets recorded after `since` (an instant), in date order, and how many of
 * their bars dated on or before `through` were revised (superseded) after it: what a version built at
 * `since` has not taken in.
 */
export async function dataEventsSince(
  db: D1Database,
  assetIds: readonly number[],
  since: string,
  through: string,
): Promise<{ actions: RecordedAction[]; revisedBars: number }> {
  if (assetIds.length === 0) return { actions: [], revisedBars: 0 };
  const ids = JSON.stringify(assetIds);
  const [actions, revised] = await db.batch([
    db
      .prepare(
        `SELECT a.symbol, c.kind, c.date, c.ratio, c.amount FROM corporate_actions c JOIN assets a ON a.id = c.asset_id
         WHERE c.asset_id IN (SELECT value FROM json_each(?1)) AND c.created_at > ?2 ORDER BY c.date, a.symbol, c.kind`,
      )
      .bind(ids, since),
    db
      .prepare(
        `SELECT COUNT(DISTINCT asset_id || ':' || date) AS n FROM prices
         WHERE asset_id IN (SELECT value FROM json_each(?1)) AND superseded_at > ?2 AND date <= ?3`,
      )
      .bind(ids, since, through),
  ]);
  return {
    actions: (actions?.results ?? []) as RecordedAction[],
    revisedBars: ((revised?.results ?? [])[0] as { n: number } | undefined)?.n ?? 0,
  };
}
