// Webhook subscriptions (secret stored sealed) and every delivery attempt.
import type { NewestFirst } from "./keyset";
import { ownedNewestFirst, softDeleteOwned } from "./owned-rows";

export interface WebhookRow {
  id: string;
  owner_id: string;
  url: string;
  events: string;
  secret: string;
  created_at: string;
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

const COLUMNS = "id, owner_id, url, events, secret, created_at";

/**
 * Inserts the webhook unless its owner already has one for this URL or holds `quota` live ones (one statement, so
 * concurrent creates cannot pass either rule); null when refused.
 */
export function insertWebhook(
  db: D1Database,
  row: { id: string; ownerId: string; url: string; events: string; sealedSecret: string; now: string },
  quota: number,
): Promise<WebhookRow | null> {
  return db
    .prepare(
      `INSERT INTO webhooks (id, owner_id, url, events, secret, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6
       WHERE NOT EXISTS (SELECT 1 FROM webhooks WHERE owner_id = ?2 AND url = ?3 AND deleted_at IS NULL)
         AND (SELECT COUNT(*) FROM webhooks WHERE owner_id = ?2 AND deleted_at IS NULL) < ?7
       RETURNING ${COLUMNS}`,
    )
    .bind(row.id, row.ownerId, row.url, row.events, row.sealedSecret, row.now, quota)
    .first<WebhookRow>();
}

/** Whether the owner has a live webhook for this URL (tells a duplicate from a quota refusal). */
export async function hasWebhookFor(db: D1Database, ownerId: string, url: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS x FROM webhooks WHERE owner_id = ?1 AND url = ?2 AND deleted_at IS NULL")
    .bind(ownerId, url)
    .first();
  return row !== null;
}

/** Newest first; keyset on (created_at, id); limit + 1 rows. */
export const listOwnedWebhooks = (db: D1Database, ownerId: string, limit: number, after?: NewestFirst) =>
  ownedNewestFirst<WebhookRow>(db, "webhooks", COLUMNS, ownerId, limit, after);

export function findOwnedWebhook(db: D1Database, ownerId: string, id: string): Promise<WebhookRow | null> {
  return db
    .prepare(`SELECT ${COLUMNS} FROM webhooks WHERE id = ?1 AND owner_id = ?2 AND deleted_at IS NULL`)
    .bind(id, ownerId)
    .first<WebhookRow>();
}

/** Soft-deletes one of the owner's webhooks; false when there is none. */
export const softDeleteWebhook = (db: D1Database, ownerId: string, id: string, now: string) =>
  softDeleteOwned(db, "webhooks", ownerId, id, now);

/** Newest attempt first; keyset on the row id; limit + 1 rows. */
export async function listDeliveries(db: D1Database, webhookId: string, limit: number, afterId?: number) {
  const { results } = await db
    .prepare(
      `SELECT id, event_id, event, attempt, status_code, error, next_retry_at, delivered_at, created_at FROM webhook_deliveries
       WHERE webhook_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3`,
    )
    .bind(webhookId, afterId ?? null, limit + 1)
    .all<DeliveryRow>();
  return results;
}

/** Who hears an event: one owner's subscriptions, or (owner null) administrators' only. */
export type Audience = { owner: string } | { admins: true };

/** Live subscriptions to `type` among the audience. */
export async function subscribersOf(db: D1Database, type: string, audience: Audience): Promise<string[]> {
  const filter =
    "owner" in audience
      ? { sql: "w.owner_id = ?2", arg: audience.owner }
      : {
          sql: "?2 IS NULL AND w.owner_id IN (SELECT id FROM users WHERE role = 'admin' AND deleted_at IS NULL)",
          arg: null,
        };
  const { results } = await db
    .prepare(
      `SELECT w.id FROM webhooks w WHERE w.deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = ?1) AND ${filter.sql}`,
    )
    .bind(type, filter.arg)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** A live subscription's target and sealed secret, or null once deleted. */
export function deliveryTarget(db: D1Database, webhookId: string): Promise<{ url: string; secret: string } | null> {
  return db
    .prepare("SELECT url, secret FROM webhooks WHERE id = ? AND deleted_at IS NULL")
    .bind(webhookId)
    .first<{ url: string; secret: string }>();
}

export async function recordDelivery(
  db: D1Database,
  d: {
    webhookId: string;
    eventId: string;
    event: string;
    attempt: number;
    statusCode: number | null;
    error: string | null;
    nextRetryAt: string | null;
    deliveredAt: string | null;
    now: string;
  },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, event, attempt, status_code, error, next_retry_at, delivered_at, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)`,
    )
    .bind(d.webhookId, d.eventId, d.event, d.attempt, d.statusCode, d.error, d.nextRetryAt, d.deliveredAt, d.now)
    .run();
}
