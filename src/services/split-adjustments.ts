// Paper holdings follow splits (API.md: "paper positions are adjusted on a split's date"): shares held from
// before a split's date are multiplied by its ratio with the same cost basis, and open limit orders placed
// before it are restated (qty × ratio, limit ÷ ratio). Each (owner, symbol, split) is applied exactly once.
import { sharesAddedBySplit } from "../domain/orders";

export interface SplitAdjustment {
  owner_id: string;
  symbol: string;
  split_date: string;
  ratio: number;
  held_before: number;
  shares_added: number;
}

/**
 * Applies every stored split dated on or before `today` that some paper account held shares through and that has
 * not been applied to it yet. Safe to run any number of times, concurrently too: each account's adjustment is
 * one atomic batch whose writes are guarded by the absence of its `position_splits` row, which the batch inserts.
 */
export async function applyDueSplits(db: D1Database, today: string): Promise<SplitAdjustment[]> {
  // Holdings through a split = net fills strictly before its date (fills on or after it are at post-split prices).
  const { results } = await db
    .prepare(
      `SELECT f.owner_id, a.symbol, ca.date AS split_date, ca.ratio,
              SUM(CASE f.side WHEN 'buy' THEN f.qty ELSE -f.qty END) AS held_before
       FROM corporate_actions ca
       JOIN assets a ON a.id = ca.asset_id
       JOIN fills f ON f.symbol = a.symbol AND substr(f.created_at, 1, 10) < ca.date
       WHERE ca.kind = 'split' AND ca.ratio > 0 AND ca.date <= ?1
         AND NOT EXISTS (SELECT 1 FROM position_splits ps
                         WHERE ps.owner_id = f.owner_id AND ps.symbol = a.symbol AND ps.split_date = ca.date)
       GROUP BY f.owner_id, a.symbol, ca.date, ca.ratio
       HAVING held_before > 1e-9
       ORDER BY ca.date, a.symbol, f.owner_id
       LIMIT 500`,
    )
    .bind(today)
    .all<{ owner_id: string; symbol: string; split_date: string; ratio: number; held_before: number }>();

  const applied: SplitAdjustment[] = [];
  for (const r of results) {
    const added = sharesAddedBySplit(r.held_before, r.ratio);
    const notYet = `NOT EXISTS (SELECT 1 FROM position_splits WHERE owner_id = ?1 AND symbol = ?2 AND split_date = ?3)`;
    const [positions, , marked] = await db.batch([
      db
        .prepare(
          `UPDATE positions SET qty = qty + ?4, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
           WHERE owner_id = ?1 AND symbol = ?2 AND ${notYet}`,
        )
        .bind(r.owner_id, r.symbol, r.split_date, added),
      db
        .prepare(
          `UPDATE orders SET qty = qty * ?4, limit_price = limit_price / ?4, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
           WHERE owner_id = ?1 AND symbol = ?2 AND status = 'open' AND type = 'limit'
             AND substr(created_at, 1, 10) < ?3 AND ${notYet}`,
        )
        .bind(r.owner_id, r.symbol, r.split_date, r.ratio),
      db
        .prepare(
          `INSERT INTO position_splits (owner_id, symbol, split_date, ratio, held_before, shares_added)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING`,
        )
        .bind(r.owner_id, r.symbol, r.split_date, r.ratio, r.held_before, added),
    ]);
    if ((marked?.meta.changes ?? 0) > 0 && (positions?.meta.changes ?? 0) > 0) {
      applied.push({ ...r, shares_added: added });
    }
  }
  if (applied.length) {
    console.log(JSON.stringify({ level: "info", msg: "splits applied to paper holdings", count: applied.length }));
  }
  return applied;
}
