// Symbols users are watching in D1: open paper orders, active alerts and the constituents of live indexes.

/** Distinct active symbols someone watches, in symbol order (live quotes are spent on these first). */
export async function watchedSymbols(db: D1Database): Promise<string[]> {
  const rows = await db
    .prepare(
      `SELECT DISTINCT s.symbol AS symbol FROM (
         SELECT symbol FROM orders WHERE status = 'open' AND deleted_at IS NULL
         UNION SELECT symbol FROM alerts WHERE status = 'active' AND deleted_at IS NULL
         UNION SELECT j.value AS symbol FROM indexes i, json_each(i.definition, '$.constituents') j
           WHERE i.deleted_at IS NULL AND i.status = 'ready'
       ) s JOIN assets a ON a.symbol = s.symbol AND a.deleted_at IS NULL
       ORDER BY s.symbol`,
    )
    .all<{ symbol: string }>();
  return rows.results.map((r) => r.symbol);
}

/** How many assets the daily refresh covers. */
export async function activeAssetCount(db: D1Database): Promise<number> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM assets WHERE deleted_at IS NULL").first<{ n: number }>();
  return row?.n ?? 0;
}
