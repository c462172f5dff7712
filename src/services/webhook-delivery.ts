// The WEBHOOKS queue consumer: an event fans out to one delivery message per matching subscription; each delivery is a
// signed POST with a timeout, retried with backoff, every attempt recorded in webhook_deliveries.
import { getConfig } from "../config";
import { alertOwner } from "../db/alerts";
import { nowIso } from "../db/ids";
import { indexOwner } from "../db/indexes";
import { orderOwner } from "../db/trading";
import { type Audience, deliveryTarget, recordDelivery, subscribersOf } from "../db/webhooks";
import { openSecret, signatureHeader } from "./webhook-secrets";
import type { EventMessage } from "./webhooks";
import { targetProblem } from "./webhooks";

export const WEBHOOKS_QUEUE = "edgeindex-webhooks";
/** Attempts per delivery (the queue allows max_retries = 8 redeliveries; we stop first and keep the record). */
export const MAX_ATTEMPTS = 8;
const TIMEOUT_MS = 10_000;

export interface DeliveryMessage {
  kind: "delivery";
  webhook_id: string;
  event_id: string;
  type: string;
  /** The exact JSON body that is signed and sent, fixed at fan-out so every retry is byte-identical. */
  body: string;
}

export interface DeliveryDeps {
  fetch: typeof fetch;
  now: () => number;
  /** Sends delivery messages; defaults to the WEBHOOKS queue. */
  enqueue: (messages: DeliveryMessage[]) => Promise<void>;
}

/** 30 s, 1 min, 2 min … capped at 1 h, with ±20 % jitter so a recovering receiver is not hit by a wave. */
export function backoffSeconds(attempt: number, random = Math.random): number {
  const base = Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(base * (0.8 + 0.4 * random())));
}

export async function handleWebhookBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: Partial<DeliveryDeps> = {},
): Promise<void> {
  const d: DeliveryDeps = {
    fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
    now: deps.now ?? Date.now,
    enqueue:
      deps.enqueue ??
      (async (messages) => {
        for (let i = 0; i < messages.length; i += 100) {
          await env.WEBHOOKS.sendBatch(
            messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })),
          );
        }
      }),
  };
  for (const msg of batch.messages) {
    const body = msg.body as EventMessage | DeliveryMessage | null;
    try {
      if (body?.kind === "event") await fanOutEvent(env, body, d);
      else if (body?.kind === "delivery") {
        await deliver(env, msg as Message<DeliveryMessage>, d);
        continue;
      } else console.error(JSON.stringify({ level: "error", msg: "webhooks: unknown message dropped", id: msg.id }));
      msg.ack();
    } catch (err) {
      console.error(
        JSON.stringify({ level: "error", msg: "webhooks: message failed", id: msg.id, error: String(err) }),
      );
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}

/**
 * Who may hear an event: its owner when it names one; for index events the index's owner; refresh events are an
 * operator's concern, so only administrators' subscriptions receive them.
 */
async function audienceOf(env: Env, event: EventMessage): Promise<Audience> {
  if (event.owner_id) return { owner: event.owner_id };
  const data = (event.data ?? {}) as Record<string, unknown>;
  const nested = (k: string) => (data[k] as { id?: unknown } | undefined)?.id;
  const ref = (x: unknown) => (typeof x === "string" ? x : null);
  const owned = async (ownerOf: (db: D1Database, id: string) => Promise<string | null>, id: string | null) =>
    id ? ownerOf(env.DB, id) : null;
  let owner: string | null = null;
  if (event.type.startsWith("index."))
    owner = await owned(indexOwner, ref(data.index_id) ?? ref(nested("index")) ?? ref(data.id));
  else if (event.type.startsWith("order.")) owner = await owned(orderOwner, ref(data.order_id) ?? ref(nested("order")));
  else if (event.type.startsWith("alert.")) owner = await owned(alertOwner, ref(data.alert_id) ?? ref(nested("alert")));
  else return { admins: true };
  return { owner: owner ?? "" };
}

async function fanOutEvent(env: Env, event: EventMessage, d: DeliveryDeps) {
  const subscribers = await subscribersOf(env.DB, event.type, await audienceOf(env, event));
  if (!subscribers.length) return;
  const body = JSON.stringify({ id: event.event_id, type: event.type, created_at: event.created_at, data: event.data });
  await d.enqueue(
    subscribers.map((id) => ({ kind: "delivery", webhook_id: id, event_id: event.event_id, type: event.type, body })),
  );
}

async function deliver(env: Env, msg: Message<DeliveryMessage>, d: DeliveryDeps) {
  const m = msg.body;
  const hook = await deliveryTarget(env.DB, m.webhook_id);
  if (!hook) return msg.ack(); // deleted since: nothing to do
  const attempt = msg.attempts;
  const record = (
    statusCode: number | null,
    error: string | null,
    nextRetryAt: string | null,
    deliveredAt: string | null,
  ) =>
    recordDelivery(env.DB, {
      webhookId: m.webhook_id,
      eventId: m.event_id,
      event: m.type,
      attempt,
      statusCode,
      error,
      nextRetryAt,
      deliveredAt,
      now: nowIso(),
    });
  // Checked again at delivery: a rule change or a stored row from before it must not reach an internal address.
  const problem = targetProblem(env, hook.url);
  if (problem) {
    await record(null, `target refused: ${problem}`, null, null);
    return msg.ack();
  }
  const secret = await openSecret(getConfig(env), m.webhook_id, hook.secret);
  const t = Math.floor(d.now() / 1000);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await d.fetch(hook.url, {
      method: "POST",
      body: m.body,
      // A redirect could point anywhere, including inside; it counts as a failed delivery.
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "edgeindex-webhooks/1",
        "webhook-id": m.event_id,
        "webhook-event": m.type,
        "webhook-signature": await signatureHeader(secret, m.body, t),
      },
    });
    status = res.status;
    await res.body?.cancel();
    if (status < 200 || status >= 300) error = `receiver answered ${status}`;
  } catch (err) {
    error = err instanceof Error && err.name === "TimeoutError" ? `timed out after ${TIMEOUT_MS} ms` : "network error";
  }
  if (!error) {
    await record(status, null, null, new Date(d.now()).toISOString());
    return msg.ack();
  }
  if (attempt >= MAX_ATTEMPTS) {
    await record(status, `${error}; giving up after ${attempt} attempts`, null, null);
    return msg.ack();
  }
  const delay = backoffSeconds(attempt);
  await record(status, error, new Date(d.now() + delay * 1000).toISOString(), null);
  msg.retry({ delaySeconds: delay });
}
