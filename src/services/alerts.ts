// Price alerts: create, list, delete, and firing each exactly once when a tick crosses its price.

import { type AlertRow, fireCrossedAlerts, insertAlert, listOwnedAlerts, softDeleteAlert } from "../db/alerts";
import { isActiveSymbol } from "../db/assets";
import { newId, nowIso } from "../db/ids";
import { priceAlertMessage } from "../domain/alert-messages";
import type { AlertNotice, LiveQuote } from "../domain/ticks";
import { ApiError } from "../errors";
import { sendEvent } from "./webhooks";

export type { AlertRow };

export const publicAlert = ({ owner_id: _owner, ...rest }: AlertRow) => rest;

export async function createAlert(
  env: Env,
  userId: string,
  input: { symbol: string; condition: "above" | "below"; price: number },
) {
  if (!(await isActiveSymbol(env.DB, input.symbol)))
    throw ApiError.validation(`Unknown symbol ${input.symbol}`, [{ path: "symbol", message: "unknown symbol" }], 422);
  const id = newId("alr");
  const now = nowIso();
  return insertAlert(env.DB, { id, ownerId: userId, ...input, now });
}

/** Newest first; keyset on (created_at, id). */
export async function listAlerts(env: Env, userId: string, limit: number, after?: { c: string; i: string }) {
  return listOwnedAlerts(env.DB, userId, limit, after);
}

export async function deleteAlert(env: Env, userId: string, id: string): Promise<void> {
  const now = nowIso();
  if (!(await softDeleteAlert(env.DB, userId, id, now))) throw ApiError.notFound(`Alert ${id}`);
}

/**
 * Fires every active alert the tick crosses. One conditional UPDATE flips active→triggered and returns only
 * the rows it flipped, so concurrent ticks can never fire the same alert twice.
 */
export async function triggerAlerts(env: Env, quotes: LiveQuote[]): Promise<AlertNotice[]> {
  if (!quotes.length) return [];
  const now = nowIso();
  const results = await fireCrossedAlerts(env.DB, quotes, now);
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
