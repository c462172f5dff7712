// Webhook subscriptions (create with a one-time secret, list, delete, deliveries) and the events they receive.
import { getConfig, isLocal } from "../config";
import { newId, nowIso, randomToken } from "../db/ids";
import { checkTargetUrl } from "../domain/url-safety";
import { ApiError } from "../http/errors";
import type { WebhookEvent } from "../schemas/trading";
import { emitEvent } from "./events";
import { sealSecret } from "./webhook-secrets";

export interface EventMessage {
  kind: "event";
  event_id: string;
  type: string;
  data: unknown;
  created_at: string;
  /** Set when the event belongs to one user (order.filled, alert.triggered); otherwise the consumer works it out. */
  owner_id?: string;
}

export interface WebhookRow {
  id: string;
  owner_id: string;
  url: string;
  events: string;
  secret: string;
  created_at: string;
}

export const publicWebhook = (w: WebhookRow) => ({
  id: w.id,
  url: w.url,
  events: JSON.parse(w.events) as WebhookEvent[],
  created_at: w.created_at,
});

/**
 * Queues a user's event for its matching subscriptions (the WEBHOOKS consumer fans it out and finds the owner from
 * `data.order.id` / `data.alert.id`).
 */
export function sendEvent(env: Env, type: WebhookEvent, data: Record<string, unknown>): Promise<string | null> {
  return emitEvent(env, undefined, { type, data });
}

export function targetProblem(env: Env, url: string): string | null {
  const verdict = checkTargetUrl(url, { allowLocal: isLocal(getConfig(env)) });
  return verdict.ok ? null : `url ${verdict.reason}`;
}

export async function createWebhook(env: Env, userId: string, input: { url: string; events: WebhookEvent[] }) {
  const problem = targetProblem(env, input.url);
  if (problem) throw ApiError.validation(`The webhook ${problem}`, [{ path: "url", message: problem }], 422);
  const id = newId("whk");
  const secret = `whsec_${randomToken(40)}`;
  const now = nowIso();
  const url = new URL(input.url).toString();
  const quota = getConfig(env).QUOTA_WEBHOOKS;
  // One statement, so concurrent creates cannot pass the quota or register one target twice.
  const row = await env.DB.prepare(
    `INSERT INTO webhooks (id, owner_id, url, events, secret, created_at, updated_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6
     WHERE NOT EXISTS (SELECT 1 FROM webhooks WHERE owner_id = ?2 AND url = ?3 AND deleted_at IS NULL)
       AND (SELECT COUNT(*) FROM webhooks WHERE owner_id = ?2 AND deleted_at IS NULL) < ?7
     RETURNING id, owner_id, url, events, secret, created_at`,
  )
    .bind(
      id,
      userId,
      url,
      JSON.stringify([...new Set(input.events)]),
      await sealSecret(getConfig(env), id, secret),
      now,
      quota,
    )
    .first<WebhookRow>();
  if (!row) {
    const taken = await env.DB.prepare(
      "SELECT 1 AS x FROM webhooks WHERE owner_id = ?1 AND url = ?2 AND deleted_at IS NULL",
    )
      .bind(userId, url)
      .first();
    if (taken) throw new ApiError("conflict", "You already have a webhook for this URL; one registration per target");
    throw new ApiError("quota_exceeded", `At most ${quota} webhooks per account`);
  }
  return { ...publicWebhook(row), secret };
}

export async function listWebhooks(env: Env, userId: string, limit: number, after?: { c: string; i: string }) {
  const { results } = await env.DB.prepare(
    `SELECT id, owner_id, url, events, secret, created_at FROM webhooks
     WHERE owner_id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < ?3))
     ORDER BY created_at DESC, id DESC LIMIT ?4`,
  )
    .bind(userId, after?.c ?? null, after?.i ?? "", limit + 1)
    .all<WebhookRow>();
  return results;
}

export async function ownedWebhook(env: Env, userId: string, id: string): Promise<WebhookRow> {
  const row = await env.DB.prepare(
    "SELECT id, owner_id, url, events, secret, created_at FROM webhooks WHERE id = ?1 AND owner_id = ?2 AND deleted_at IS NULL",
  )
    .bind(id, userId)
    .first<WebhookRow>();
  if (!row) throw ApiError.notFound(`Webhook ${id}`);
  return row;
}

export async function deleteWebhook(env: Env, userId: string, id: string): Promise<void> {
  const now = nowIso();
  const res = await env.DB.prepare(
    "UPDATE webhooks SET deleted_at = ?3, updated_at = ?3 WHERE id = ?1 AND owner_id = ?2 AND deleted_at IS NULL",
  )
    .bind(id, userId, now)
    .run();
  if (res.meta.changes === 0) throw ApiError.notFound(`Webhook ${id}`);
}

export interface DeliveryRow {
  id: number;
  event_id: string;
  event: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  next_retry_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

/** Newest attempt first; keyset on the row id. */
export async function listDeliveries(env: Env, webhookId: string, limit: number, afterId?: number) {
  const { results } = await env.DB.prepare(
    `SELECT id, event_id, event, attempt, status_code, error, next_retry_at, delivered_at, created_at FROM webhook_deliveries
     WHERE webhook_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3`,
  )
    .bind(webhookId, afterId ?? null, limit + 1)
    .all<DeliveryRow>();
  return results;
}
