// Price alerts: create, list, delete, and firing each exactly once when a tick crosses its price.

import { newId, nowIso } from "../db/ids";
import { priceAlertMessage } from "../domain/alert-messages";
import type { AlertNotice } from "../durable/stream-protocol";
import { ApiError } from "../http/errors";
import type { LiveQuote } from "./live";
import { sendEvent } from "./webhooks";

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

export const publicAlert = ({ owner_id: _owner, ...rest }: AlertRow) => rest;

export async function createAlert(
  env: Env,
  userId: string,
  input: { symbol: string; condition: "above" | "below"; price: number },
) {
  const asset = await env.DB.prepare("SELECT 1 AS ok FROM assets WHERE symbol = ? AND deleted_at IS NULL")
    .bind(input.symbol)
    .first();
  if (!asset)
    throw ApiError.validation(`Unknown symbol ${input.symbol}`, [{ path: "symbol", message: "unknown symbol" }], 422);
  const id = newId("alr");
  const now = nowIso();
  return env.DB.prepare(
    `INSERT INTO alerts (id, owner_id, symbol, condition, price, status, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?6)
     RETURNING id, owner_id, symbol, condition, price, status, triggered_at, triggered_price, created_at`,
  )
    .bind(id, userId, input.symbol, input.condition, input.price, now)
    .first<AlertRow>() as Promise<AlertRow>;
}

/** Newest first; keyset on (created_at, id). */
export async function listAlerts(env: Env, userId: string, limit: number, after?: { c: string; i: string }) {
  const { results } = await env.DB.prepare(
    `SELECT id, owner_id, symbol, condition, price, status, triggered_at, triggered_price, created_at FROM alerts
     WHERE owner_id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < ?3))
     ORDER BY created_at DESC, id DESC LIMIT ?4`,
  )
    .bind(userId, after?.c ?? null, after?.i ?? "", limit + 1)
    .all<AlertRow>();
  return results;
}

export async function deleteAlert(env: Env, userId: string, id: string): Promise<void> {
  const now = nowIso();
  const res = await env.DB.prepare(
    "UPDATE alerts SET deleted_at = ?3, updated_at = ?3 WHERE id = ?1 AND owner_id = ?2 AND deleted_at IS NULL",
  )
    .bind(id, userId, now)
    .run();
  if (res.meta.changes === 0) throw ApiError.notFound(`Alert ${id}`);
}

/**
 * Fires every active alert the tick crosses. One conditional UPDATE flips active→triggered and returns only
 * the rows it flipped, so concurrent ticks can never fire the same alert twice.
 */
export async function triggerAlerts(env: Env, quotes: LiveQuote[]): Promise<AlertNotice[]> {
  if (!quotes.length) return [];
  const now = nowIso();
  const { results } = await env.DB.prepare(
    `WITH t AS (SELECT json_extract(value,'$[0]') AS symbol, json_extract(value,'$[1]') AS price, json_extract(value,'$[2]') AS ts
                FROM json_each(?1))
     UPDATE alerts SET status = 'triggered', updated_at = ?2,
       triggered_price = (SELECT t.price FROM t WHERE t.symbol = alerts.symbol),
       triggered_at = (SELECT t.ts FROM t WHERE t.symbol = alerts.symbol)
     WHERE status = 'active' AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM t WHERE t.symbol = alerts.symbol
       AND ((alerts.condition = 'above' AND t.price >= alerts.price) OR (alerts.condition = 'below' AND t.price <= alerts.price)))
     RETURNING id, owner_id, symbol, condition, price, triggered_price, triggered_at`,
  )
    .bind(JSON.stringify(quotes.map((q) => [q.symbol, q.price, q.ts])), now)
    .all<{
      id: string;
      owner_id: string;
      symbol: string;
      condition: string;
      price: number;
      triggered_price: number;
      triggered_at: string;
    }>();
  const messageOf = (r: (typeof results)[number]) =>
    priceAlertMessage({
      symbol: r.symbol,
      condition: r.condition as "above" | "below",
      price: r.price,
      triggered_price: r.triggered_price,
    });
  await Promise.all(
    results.map((r) =>
      sendEvent(env, "alert.triggered", {
        alert: { id: r.id, symbol: r.symbol, condition: r.condition, price: r.price },
        triggered_price: r.triggered_price,
        triggered_at: r.triggered_at,
        message: messageOf(r),
      }).catch((err) =>
        console.error(
          JSON.stringify({ level: "error", msg: "alert.triggered event not sent", alert_id: r.id, error: String(err) }),
        ),
      ),
    ),
  );
  return results.map((r) => ({
    owner_id: r.owner_id,
    id: r.id,
    symbol: r.symbol,
    price: r.triggered_price,
    ts: r.triggered_at,
    message: messageOf(r),
  }));
}
