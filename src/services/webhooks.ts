// Webhook subscriptions (create with a one-time secret, list, delete, deliveries) and the events they receive.
import { getConfig, isLocal } from "../config";
import { hmacSha256, toBase64Url } from "../crypto";
import { newId, nowIso, randomToken } from "../db/ids";
import {
  type DeliveryRow,
  findOwnedWebhook,
  hasWebhookFor,
  insertWebhook,
  listDeliveries as listDeliveryRows,
  listOwnedWebhooks,
  softDeleteWebhook,
  type WebhookRow,
} from "../db/webhooks";
import { checkTargetUrl } from "../domain/url-safety";
import { ApiError } from "../errors";
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

export type { DeliveryRow, WebhookRow };

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
  return emitEvent(env, { type, data });
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
  const row = await insertWebhook(
    env.DB,
    {
      id,
      ownerId: userId,
      url,
      events: JSON.stringify([...new Set(input.events)]),
      sealedSecret: await sealSecret(getConfig(env), id, secret),
      now,
    },
    quota,
  );
  if (!row) {
    if (await hasWebhookFor(env.DB, userId, url))
      throw new ApiError("conflict", "You already have a webhook for this URL; one registration per target");
    throw new ApiError("quota_exceeded", `At most ${quota} webhooks per account`);
  }
  return { ...publicWebhook(row), secret };
}

export async function listWebhooks(env: Env, userId: string, limit: number, after?: { c: string; i: string }) {
  return listOwnedWebhooks(env.DB, userId, limit, after);
}

export async function ownedWebhook(env: Env, userId: string, id: string): Promise<WebhookRow> {
  const row = await findOwnedWebhook(env.DB, userId, id);
  if (!row) throw ApiError.notFound(`Webhook ${id}`);
  return row;
}

export async function deleteWebhook(env: Env, userId: string, id: string): Promise<void> {
  const now = nowIso();
  if (!(await softDeleteWebhook(env.DB, userId, id, now))) throw ApiError.notFound(`Webhook ${id}`);
}

/** Newest attempt first; keyset on the row id. */
export async function listDeliveries(env: Env, webhookId: string, limit: number, afterId?: number) {
  return listDeliveryRows(env.DB, webhookId, limit, afterId);
}

/**
 * A delivery's public id: `dlv_` and 22 characters of an HMAC of its row id under the server's secret, so ids are
 * opaque like every other (a row counter shared by every user would tell how many deliveries the platform sends).
 */
export async function publicDeliveryId(env: Env, rowId: number): Promise<string> {
  const mac = await hmacSha256(getConfig(env).JWT_SECRET, `webhook-delivery:${rowId}`);
  return `dlv_${toBase64Url(mac).slice(0, 22)}`;
}
