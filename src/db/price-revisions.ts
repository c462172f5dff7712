// Every stored version of a day's bar: the audit trail behind `prices` revisions.
import type { Bar } from "../domain/bar";

export interface RevisionView extends Bar {
  recorded_at: string;
  superseded_at: string | null;
  source: string;
}

/** Every stored version of one day's bar, oldest first. */
export async function readRevisions(db: D1Database, assetId: number, date: string): Promise<RevisionView[]> {
  const { results } = await db
    .prepare(
      `SELECT date, open, high, low, close, volume, recorded_at, superseded_at, source FROM prices
       WHERE asset_id = ?1 AND date = ?2 ORDER BY recorded_at, id`,
    )
    .bind(assetId, date)
    .all<RevisionView>();
  return results;
}
