// Alerts (price and index): create, newest-first pages, soft delete, and the conditional UPDATEs that fire them once.
import type { NewestFirst } from "./keyset";
import { ownedNewestFirst, softDeleteOwned } from "./owned-rows";

export type AlertKind = "price" | "index_level" | "drawdown" | "weight_drift";

export interface AlertRow {
  id: string;
  owner_id: string;
  kind: AlertKind;
  index_id: string | null;
  /** '' for index_level and drawdown alerts. */
  symbol: string;
  condition: "above" | "below";
  /** The threshold in the kind's unit (see the schema). */
  price: number;
  status: "active" | "triggered";
  triggered_at: string | null;
  triggered_price: number | null;
  triggered_value: number | null;
  message: string | null;
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

const COLUMNS =
  "id, owner_id, kind, index_id, symbol, condition, price, status, triggered_at, triggered_price, triggered_value, message, created_at";

/** Inserts the alert only while its owner holds fewer than `quota` live ones (one statement: races cannot pass it). */
export function insertAlert(
  db: D1Database,
  row: {
    id: string;
    ownerId: string;
    kind: AlertKind;
    indexId: string | null;
    symbol: string;
    condition: "above" | "below";
    price: number;
    now: string;
  },
  quota: number,
): Promise<AlertRow | null> {
  return db
    .prepare(
      `INSERT INTO alerts (id, owner_id, kind, index_id, symbol, condition, price, status, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8, ?8
       WHERE (SELECT COUNT(*) FROM alerts WHERE owner_id = ?2 AND deleted_at IS NULL) < ?9 RETURNING ${COLUMNS}`,
    )
    .bind(row.id, row.ownerId, row.kind, row.indexId, row.symbol, row.condition, row.price, row.now, quota)
    .first<AlertRow>();
}

/** Newest first; keyset on (created_at, id); limit + 1 rows. */
export const listOwnedAlerts = (db: D1Database, ownerId: string, limit: number, after?: NewestFirst) =>
  ownedNewestFirst<AlertRow>(db, "alerts", COLUMNS, ownerId, limit, after);

/** Soft-deletes one of the owner's alerts; false when there is none. */
export const softDeleteAlert = (db: D1Database, ownerId: string, id: string, now: string) =>
  softDeleteOwned(db, "alerts", ownerId, id, now);

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
         triggered_value = (SELECT t.price FROM t WHERE t.symbol = alerts.symbol),
         triggered_at = (SELECT t.ts FROM t WHERE t.symbol = alerts.symbol)
       WHERE kind = 'price' AND status = 'active' AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM t WHERE t.symbol = alerts.symbol
         AND ((alerts.condition = 'above' AND t.price >= alerts.price) OR (alerts.condition = 'below' AND t.price <= alerts.price)))
       RETURNING id, owner_id, symbol, condition, price, triggered_price, triggered_at`,
    )
    .bind(JSON.stringify(ticks.map((q) => [q.symbol, q.price, q.ts])), now)
    .all<FiredAlert>();
  return results;
}

/** Stores what fired alerts say, once the UPDATE that fired them has returned them. */
export async function recordAlertMessages(db: D1Database, messages: ReadonlyArray<{ id: string; message: string }>) {
  if (!messages.length) return;
  await db
    .prepare(
      `UPDATE alerts SET message = (SELECT json_extract(value,'$[1]') FROM json_each(?1) WHERE json_extract(value,'$[0]') = alerts.id)
       WHERE id IN (SELECT json_extract(value,'$[0]') FROM json_each(?1))`,
    )
    .bind(JSON.stringify(messages.map((m) => [m.id, m.message])))
    .run();
}

/** An active alert on an index with a ready version, with the index's name and highest stored level. */
export interface IndexAlertCandidate {
  id: string;
  owner_id: string;
  kind: "index_level" | "drawdown" | "weight_drift";
  index_id: string;
  index_name: string;
  symbol: string;
  condition: "above" | "below";
  price: number;
  peak: number | null;
}

/** Every active index alert whose index is live and has a ready version. */
export async function activeIndexAlerts(db: D1Database): Promise<IndexAlertCandidate[]> {
  const { results } = await db
    .prepare(
      `SELECT a.id, a.owner_id, a.kind, a.index_id, i.name AS index_name, a.symbol, a.condition, a.price,
         (SELECT MAX(v.value) FROM index_values v WHERE v.index_id = i.id AND v.version = i.ready_version) AS peak
       FROM alerts a JOIN indexes i ON i.id = a.index_id
       WHERE a.kind IN ('index_level', 'drawdown', 'weight_drift') AND a.status = 'active' AND a.deleted_at IS NULL
         AND i.deleted_at IS NULL AND i.ready_version IS NOT NULL`,
    )
    .all<IndexAlertCandidate>();
  return results;
}

/**
 * Flips the given index alerts from active to triggered with what they observed and say; returns only the rows
 * it flipped, so concurrent ticks never fire one twice.
 */
export async function fireIndexAlerts(
  db: D1Database,
  fired: ReadonlyArray<{ id: string; value: number; message: string; ts: string }>,
  now: string,
): Promise<Array<{ id: string; triggered_value: number; triggered_at: string; message: string }>> {
  if (!fired.length) return [];
  const { results } = await db
    .prepare(
      `WITH f AS (SELECT json_extract(value,'$[0]') AS id, json_extract(value,'$[1]') AS v, json_extract(value,'$[2]') AS m,
                    json_extract(value,'$[3]') AS ts FROM json_each(?1))
       UPDATE alerts SET status = 'triggered', updated_at = ?2,
         triggered_value = (SELECT f.v FROM f WHERE f.id = alerts.id),
         message = (SELECT f.m FROM f WHERE f.id = alerts.id),
         triggered_at = (SELECT f.ts FROM f WHERE f.id = alerts.id)
       WHERE status = 'active' AND deleted_at IS NULL AND id IN (SELECT id FROM f)
       RETURNING id, triggered_value, triggered_at, message`,
    )
    .bind(JSON.stringify(fired.map((f) => [f.id, f.value, f.message, f.ts])), now)
    .all<{ id: string; triggered_value: number; triggered_at: string; message: string }>();
  return results;
}

/** The owner of an alert, or null. */
export async function alertOwner(db: D1Database, id: string): Promise<string | null> {
  return (
    (await db.prepare("SELECT owner_id FROM alerts WHERE id = ?").bind(id).first<{ owner_id: string }>())?.owner_id ??
    null
  );
}
