// Alerts: create (on a price, or on one of the caller's indexes), list, delete, and firing each exactly once
// when a tick crosses it.

import { getConfig } from "../config";
import {
  type AlertRow,
  fireCrossedAlerts,
  insertAlert,
  listOwnedAlerts,
  recordAlertMessages,
  softDeleteAlert,
} from "../db/alerts";
import { isActiveSymbol } from "../db/assets";
import { newId, nowIso } from "../db/ids";
import { findOwnedIndex } from "../db/indexes";
import { priceAlertMessage } from "../domain/alert-messages";
import type { AlertNotice, LiveQuote } from "../domain/ticks";
import { ApiError } from "../errors";
import type { StoredDefinition } from "../schemas/indexes";
import type { AlertRequest } from "../schemas/trading";
import { type FiredIndexAlert, indexAlertNotice, triggerIndexAlerts } from "./index-alerts";
import { sendEvent } from "./webhooks";

export type { AlertRow };

/** The stored row as the API shows it: the threshold under the name its kind gives it. */
export function publicAlert(r: AlertRow) {
  const kind = r.kind ?? "price";
  return {
    id: r.id,
    kind,
    index_id: r.index_id ?? null,
    symbol: r.symbol || null,
    condition: kind === "price" || kind === "index_level" ? r.condition : null,
    price: kind === "price" ? r.price : null,
    level: kind === "index_level" ? r.price : null,
    threshold: kind === "drawdown" || kind === "weight_drift" ? r.price : null,
    status: r.status,
    triggered_at: r.triggered_at,
    triggered_price: r.triggered_price,
    triggered_value: r.triggered_value ?? null,
    message: r.message ?? null,
    created_at: r.created_at,
  };
}

const unknownField = (path: string, message: string, detail: string) =>
  ApiError.validation(detail, [{ path, message }], 422);

/** The stored shape of a request: kind, index, symbol, direction and the threshold in the kind's unit. */
type IndexAlertRequest = Exclude<AlertRequest, { kind?: "price" }>;
const onIndex = (input: AlertRequest): input is IndexAlertRequest => "index_id" in input;

async function ruleOf(env: Env, userId: string, input: AlertRequest) {
  if (!onIndex(input)) {
    if (!(await isActiveSymbol(env.DB, input.symbol)))
      throw unknownField("symbol", "unknown symbol", `Unknown symbol ${input.symbol}`);
    return {
      kind: "price" as const,
      indexId: null,
      symbol: input.symbol,
      condition: input.condition,
      price: input.price,
    };
  }
  const index = await findOwnedIndex(env.DB, userId, input.index_id);
  if (!index) throw unknownField("index_id", "unknown index", `Unknown index ${input.index_id}`);
  switch (input.kind) {
    case "index_level":
      return { kind: input.kind, indexId: index.id, symbol: "", condition: input.condition, price: input.level };
    case "drawdown":
      return { kind: input.kind, indexId: index.id, symbol: "", condition: "below" as const, price: input.threshold };
    case "weight_drift": {
      const constituents = (index.definition as StoredDefinition).constituents ?? [];
      if (!constituents.includes(input.symbol))
        throw unknownField("symbol", "not a constituent of the index", `${input.symbol} is not in index ${index.id}`);
      return {
        kind: input.kind,
        indexId: index.id,
        symbol: input.symbol,
        condition: "above" as const,
        price: input.threshold,
      };
    }
  }
}

export async function createAlert(env: Env, userId: string, input: AlertRequest) {
  const rule = await ruleOf(env, userId, input);
  const quota = getConfig(env).QUOTA_ALERTS;
  const row = await insertAlert(env.DB, { id: newId("alr"), ownerId: userId, ...rule, now: nowIso() }, quota);
  if (!row) throw new ApiError("quota_exceeded", `At most ${quota} alerts per account`);
  return row;
}

/** Newest first; keyset on (created_at, id). */
export async function listAlerts(env: Env, userId: string, limit: number, after?: { c: string; i: string }) {
  return listOwnedAlerts(env.DB, userId, limit, after);
}

export async function deleteAlert(env: Env, userId: string, id: string): Promise<void> {
  const now = nowIso();
  if (!(await softDeleteAlert(env.DB, userId, id, now))) throw ApiError.notFound(`Alert ${id}`);
}

function sendTriggered(env: Env, alertId: string, data: Record<string, unknown>) {
  return sendEvent(env, "alert.triggered", data).catch((err) =>
    console.error(
      JSON.stringify({ level: "error", msg: "alert.triggered event not sent", alert_id: alertId, error: String(err) }),
    ),
  );
}

/** Price alerts the tick crosses, fired once each, with their messages stored and sent. */
async function triggerPriceAlerts(env: Env, quotes: LiveQuote[]): Promise<AlertNotice[]> {
  const results = await fireCrossedAlerts(env.DB, quotes, nowIso());
  const fired = results.map((r) => ({
    ...r,
    message: priceAlertMessage({
      symbol: r.symbol,
      condition: r.condition as "above" | "below",
      price: r.price,
      triggered_price: r.triggered_price,
    }),
  }));
  await recordAlertMessages(env.DB, fired);
  await Promise.all(
    fired.map((r) =>
      sendTriggered(env, r.id, {
        alert: { id: r.id, kind: "price", symbol: r.symbol, condition: r.condition, price: r.price },
        triggered_price: r.triggered_price,
        triggered_value: r.triggered_price,
        triggered_at: r.triggered_at,
        message: r.message,
      }),
    ),
  );
  return fired.map((r) => ({
    owner_id: r.owner_id,
    id: r.id,
    kind: "price",
    index_id: null,
    symbol: r.symbol,
    price: r.triggered_price,
    value: r.triggered_price,
    ts: r.triggered_at,
    message: r.message,
  }));
}

const indexAlertEvent = (f: FiredIndexAlert) => {
  const a = publicAlert({
    ...f.alert,
    status: "triggered",
    triggered_at: f.ts,
    triggered_price: null,
    triggered_value: f.value,
    message: f.message,
    created_at: "",
  });
  return {
    alert: {
      id: a.id,
      kind: a.kind,
      index_id: a.index_id,
      ...(a.symbol ? { symbol: a.symbol } : {}),
      ...(a.condition ? { condition: a.condition } : {}),
      ...(a.level !== null ? { level: a.level } : {}),
      ...(a.threshold !== null ? { threshold: a.threshold } : {}),
    },
    triggered_value: f.value,
    triggered_at: f.ts,
    message: f.message,
  };
};

/**
 * Fires every active alert the tick crosses: price alerts by one conditional UPDATE, index alerts after marking
 * their indexes at the tick. Each UPDATE flips active→triggered and returns only the rows it flipped, so
 * concurrent ticks can never fire the same alert twice.
 */
export async function triggerAlerts(env: Env, quotes: LiveQuote[]): Promise<AlertNotice[]> {
  if (!quotes.length) return [];
  const [prices, indexes] = await Promise.all([triggerPriceAlerts(env, quotes), triggerIndexAlerts(env, quotes)]);
  await Promise.all(indexes.map((f) => sendTriggered(env, f.alert.id, indexAlertEvent(f))));
  return [...prices, ...indexes.map(indexAlertNotice)];
}
