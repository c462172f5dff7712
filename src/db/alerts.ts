// Price alerts: create, newest-first pages, soft delete, and the one conditional UPDATE that fires them once.

export interface AlertRow {
  id: string;
  owner_id: string;
  symbol: string;
  condition: "above" | "below";
  price: number;
  status: "active" | "triggered";
  triggered_at: string | null;
  triggered_price: number | null;
  created_at: string;
}

export interface FiredAlert {
  id: string;
  owner_id: string;
  symbol: string;
  condition: string;
  price: number;
  triggered_price: number;
  triggered_at: string;
}

const COLUMNS = "id, owner_id, symbol, condition, price, status, triggered_at, triggered_price, created_at";

export function insertAlert(
  db: D1Database,
  row: { id: string; ownerId: string; symbol: string; condition: "above" | "below"; price: number; now: string },
): Promise<AlertRow> {
  return db
    .prepare(
      `INSERT INTO alerts (id, owner_id, symbol, condition, price, status, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?6) RETURNING ${COLUMNS}`,
    )
    .bind(row.id, row.ownerId, row.symbol, row.condition, row.price, row.now)
    .first<AlertRow>() as Promise<AlertRow>;
}

/** Newest first; keyset on (created_at, id); limit + 1 rows. */
export async function listOwnedAlerts(
  db: D1Database,
  ownerId: string,
  limit: number,
  after?: { c: string; i: string },
) {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM alerts
       WHERE owner_id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < ?3))
       ORDER BY created_at DESC, id DESC LIMIT ?4`,
    )
    .bind(ownerId, after?.c ?? null, after?.i ?? "", limit + 1)
    .all<AlertRow>();
  return results;
}

/** Soft-deletes one of the owner's alerts; false when there is none. */
export async function softDeleteAlert(db: D1Database, ownerId: string, id: string, now: string): Promise<boolean> {
  const res = await db
    .prepare(
      "UPDATE alerts SET deleted_at = ?3, updated_at = ?3 WHERE id = ?1 AND owner_id = ?2 AND deleted_at IS NULL",
    )
    .bind(id, ownerId, now)
    .run();
  return res.meta.changes > 0;
}

/**
 * Flips every active alert the ticks cross to triggered and returns only the rows it flipped, so concurrent
 * ticks can never fire the same alert twice.
 */
export async function fireCrossedAlerts(
  db: D1Database,
  ticks: ReadonlyArray<{ symbol: string; price: number; ts: string }>,
  now: string,
): Promise<FiredAlert[]> {
  const { results } = await db
    .prepare(
      `WITH t AS (SELECT json_extract(value,'$[0]') AS symbol, json_extract(value,'$[1]') AS price, json_extract(value,'$[2]') AS ts
                  FROM json_each(?1))
       UPDATE alerts SET status = 'triggered', updated_at = ?2,
         triggered_price = (SELECT t.price FROM t WHERE t.symbol = alerts.symbol),
         triggered_at = (SELECT t.ts FROM t WHERE t.symbol = alerts.symbol)
       WHERE status = 'active' AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM t WHERE t.symbol = alerts.symbol
         AND ((alerts.condition = 'above' AND t.price >= alerts.price) OR (alerts.condition = 'below' AND t.price <= alerts.price)))
       RETURNING id, owner_id, symbol, condition, price, triggered_price, triggered_at`,
    )
    .bind(JSON.stringify(ticks.map((q) => [q.symbol, q.price, q.ts])), now)
    .all<FiredAlert>();
  return results;
}

/** The owner of an alert, or null. */
export async function alertOwner(db: D1Database, id: string): Promise<string | null> {
  return (
    (await db.prepare("SELECT owner_id FROM alerts WHERE id = ?").bind(id).first<{ owner_id: string }>())?.owner_id ??
    null
  );
}
