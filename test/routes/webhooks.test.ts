// Webhooks (API.md "Alerts and webhooks"): subscriptions, signed deliveries, retries recorded, owner scoping, SSRF rules.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { backoffSeconds, type DeliveryMessage, handleWebhookBatch } from "../../src/services/webhook-delivery";
import type { EventMessage } from "../../src/services/webhooks";
import { hmacHex } from "../helpers/auth";
import { call, userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";

const QUEUE = "edgeindex-webhooks";
const create = (token: string, json: Record<string, unknown>) => call("/v1/webhooks", { method: "POST", token, json });

/** Runs the consumer over one batch; returns the queue's view (acks, retries) and what it enqueued. */
async function consume(
  messages: Array<{ body: unknown; attempts?: number }>,
  deps: { fetch?: typeof fetch; envOverride?: Partial<Env> } = {},
) {
  const batch = createMessageBatch(
    QUEUE,
    messages.map((m, i) => ({
      id: `m${i}-${crypto.randomUUID()}`,
      timestamp: Date.now(),
      attempts: m.attempts ?? 1,
      body: m.body,
    })),
  );
  const enqueued: DeliveryMessage[] = [];
  const ctx = createExecutionContext();
  const target = deps.envOverride ? ({ ...env, ...deps.envOverride } as Env) : env;
  await handleWebhookBatch(batch, target, {
    fetch: deps.fetch ?? (async () => new Response("ok")),
    enqueue: async (list) => {
      enqueued.push(...list);
    },
  });
  return { result: await getQueueResult(batch, ctx), enqueued, batch };
}

const event = (type: string, data: Record<string, unknown>): EventMessage => ({
  kind: "event",
  event_id: `evt_${crypto.randomUUID().replaceAll("-", "").slice(0, 22)}`,
  type,
  data,
  created_at: new Date().toISOString(),
});

describe("webhook subscriptions", () => {
  it("shows the secret once, stores it encrypted, and never lists it", async () => {
    const { token } = await userToken();
    const r = await create(token, { url: "http://127.0.0.1:8788/hook", events: ["order.filled", "alert.triggered"] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: expect.stringMatching(/^whk_/),
      url: "http://127.0.0.1:8788/hook",
      secret: expect.stringMatching(/^whsec_/),
    });
    const stored = await env.DB.prepare("SELECT secret FROM webhooks WHERE id = ?")
      .bind(r.body.id)
      .first<{ secret: string }>();
    expect(stored?.secret).not.toContain(r.body.secret);
    expect(stored?.secret).toMatch(/^v1\./);
    const list = await call("/v1/webhooks", { token });
    expect(list.body.data).toEqual([
      { id: r.body.id, url: r.body.url, events: ["order.filled", "alert.triggered"], created_at: expect.any(String) },
    ]);
    expect(list.text).not.toContain("whsec_");
  });

  it("validates events and target URLs", async () => {
    const { token } = await userToken();
    expect((await create(token, { url: "https://example.com/h", events: ["price.moved"] })).status).toBe(400);
    expect((await create(token, { url: "https://example.com/h", events: [] })).status).toBe(400);
    // uniqueItems, as the document declares: a repeated event is refused, not silently folded.
    const twice = await create(token, { url: "https://example.com/h", events: ["index.ready", "index.ready"] });
    expect(twice.status).toBe(400);
    expect(twice.problem.errors![0]!.path).toBe("events");
    // Not an absolute http(s) URL at all: a body rule (400), with the field named and a sentence that reads.
    for (const url of ["nope", "ftp://example.com/", "https://", "http://exa mple.com/"]) {
      const r = await create(token, { url, events: ["index.ready"] });
      expect(r.status, url).toBe(400);
      expect(r.problem.errors![0]!.path).toBe("url");
      expect(r.problem.errors![0]!.message).toMatch(
        /^(must be an absolute http or https URL|is not a valid absolute URL)$/,
      );
    }
    // Well formed, but a target the policy refuses: 422.
    for (const url of ["http://10.0.0.1/h", "https://169.254.169.254/", "https://u:p@example.com/"]) {
      const r = await create(token, { url, events: ["index.ready"] });
      expect(r.status, url).toBe(422);
      expect(r.problem.errors![0]!.path).toBe("url");
    }
  });

  it("answers another user's webhook with 404 (delete and deliveries)", async () => {
    const owner = await userToken();
    const stranger = await userToken();
    const r = await create(owner.token, { url: "https://example.com/h", events: ["index.ready"] });
    expect((await call(`/v1/webhooks/${r.body.id}`, { method: "DELETE", token: stranger.token })).status).toBe(404);
    expect((await call(`/v1/webhooks/${r.body.id}/deliveries`, { token: stranger.token })).status).toBe(404);
    expect((await call(`/v1/webhooks/${r.body.id}`, { method: "DELETE", token: owner.token })).status).toBe(204);
    expect((await call("/v1/webhooks", { token: owner.token })).body.data).toEqual([]);
  });
});

describe("deliveries", () => {
  it("signs each delivery so the receiver can verify it with the secret", async () => {
    const { token } = await userToken();
    const hook = await create(token, { url: "http://127.0.0.1:8788/hook", events: ["order.filled"] });
    const placed = await env.DB.prepare(
      "INSERT INTO orders (id, owner_id, symbol, side, qty, type, status) SELECT 'ord_sig00000000000000000001', owner_id, 'AAPL', 'buy', 1, 'market', 'filled' FROM webhooks WHERE id = ?",
    )
      .bind(hook.body.id)
      .run();
    expect(placed.meta.changes).toBe(1);
    const fanned = await consume([{ body: event("order.filled", { order: { id: "ord_sig00000000000000000001" } }) }]);
    expect(fanned.enqueued).toHaveLength(1);
    expect(fanned.result.explicitAcks).toHaveLength(1);

    const seen: Request[] = [];
    const delivered = await consume([{ body: fanned.enqueued[0] }], {
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return new Response(null, { status: 204 });
      },
    });
    expect(delivered.result.explicitAcks).toHaveLength(1);
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("http://127.0.0.1:8788/hook");
    const body = await req.text();
    expect(JSON.parse(body)).toMatchObject({
      type: "order.filled",
      data: { order: { id: "ord_sig00000000000000000001" } },
    });
    const header = req.headers.get("webhook-signature")!;
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match).not.toBeNull();
    expect(Math.abs(Number(match![1]) - Date.now() / 1000)).toBeLessThan(5);
    expect(match![2]).toBe(await hmacHex(hook.body.secret, `${match![1]}.${body}`));

    const rows = await call(`/v1/webhooks/${hook.body.id}/deliveries`, { token });
    expect(rows.body.data).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^dlv_[A-Za-z0-9_-]{22}$/), // opaque, like every id: no shared row counter
        event: "order.filled",
        attempt: 1,
        status_code: 204,
        error: null,
        next_retry_at: null,
        delivered_at: expect.any(String),
      }),
    ]);
  });

  it("retries failures with backoff and records every attempt", async () => {
    const { token } = await userToken();
    const hook = await create(token, { url: "http://localhost:9999/hook", events: ["alert.triggered"] });
    const message: DeliveryMessage = {
      kind: "delivery",
      webhook_id: hook.body.id,
      event_id: "evt_retry",
      type: "alert.triggered",
      body: '{"id":"evt_retry"}',
    };
    const first = await consume([{ body: message, attempts: 1 }], {
      fetch: async () => new Response("down", { status: 503 }),
    });
    expect(first.result.retryMessages).toHaveLength(1);
    const second = await consume([{ body: message, attempts: 2 }], {
      fetch: async () => {
        throw new TypeError("connection refused");
      },
    });
    expect(second.result.retryMessages).toHaveLength(1);
    const third = await consume([{ body: message, attempts: 3 }]);
    expect(third.result.explicitAcks).toHaveLength(1);
    const rows = (await call(`/v1/webhooks/${hook.body.id}/deliveries`, { token })).body.data;
    expect(
      rows.map((r) => [r.attempt, r.status_code, r.error, r.next_retry_at !== null, r.delivered_at !== null]),
    ).toEqual([
      [3, 200, null, false, true],
      [2, null, "network error", true, false],
      [1, 503, "receiver answered 503", true, false],
    ]);
    // Backoff: 30 s then 60 s (±20 % jitter), as next_retry_at records.
    const delay = (r: (typeof rows)[number] | undefined) =>
      (Date.parse(r?.next_retry_at ?? "") - Date.parse(r?.created_at ?? "")) / 1000;
    expect(delay(rows[2])).toBeGreaterThanOrEqual(23);
    expect(delay(rows[2])).toBeLessThanOrEqual(37);
    expect(delay(rows[1])).toBeGreaterThanOrEqual(47);
    expect(delay(rows[1])).toBeLessThanOrEqual(73);
    expect(backoffSeconds(20, () => 1)).toBe(4320); // capped at 1 h + 20 %
  });

  it("gives up after the last attempt and keeps the record", async () => {
    const { token } = await userToken();
    const hook = await create(token, { url: "http://localhost:9999/hook", events: ["alert.triggered"] });
    const message: DeliveryMessage = {
      kind: "delivery",
      webhook_id: hook.body.id,
      event_id: "evt_last",
      type: "alert.triggered",
      body: "{}",
    };
    const last = await consume([{ body: message, attempts: 8 }], {
      fetch: async () => new Response("", { status: 500 }),
    });
    expect(last.result.explicitAcks).toHaveLength(1);
    const rows = (await call(`/v1/webhooks/${hook.body.id}/deliveries`, { token })).body.data;
    expect(rows[0]).toMatchObject({
      attempt: 8,
      status_code: 500,
      next_retry_at: null,
      error: expect.stringContaining("giving up"),
    });
  });

  it("re-checks the target at delivery: production never calls a loopback URL", async () => {
    const { token } = await userToken();
    const hook = await create(token, { url: "http://127.0.0.1:8788/hook", events: ["index.ready"] });
    let called = false;
    const message: DeliveryMessage = {
      kind: "delivery",
      webhook_id: hook.body.id,
      event_id: "evt_prod",
      type: "index.ready",
      body: "{}",
    };
    const r = await consume([{ body: message }], {
      envOverride: { ENVIRONMENT: "production" } as Partial<Env>,
      fetch: async () => {
        called = true;
        return new Response("ok");
      },
    });
    expect(called).toBe(false);
    expect(r.result.explicitAcks).toHaveLength(1);
    const rows = (await call(`/v1/webhooks/${hook.body.id}/deliveries`, { token })).body.data;
    expect(rows[0]!.error).toContain("target refused");
  });

  it("fans a user's event out only to that user's matching subscriptions", async () => {
    const a = await userToken();
    const b = await userToken();
    const mine = await create(a.token, { url: "https://example.com/a", events: ["alert.triggered"] });
    await create(a.token, { url: "https://example.com/a2", events: ["order.filled"] }); // other event
    await create(b.token, { url: "https://example.com/b", events: ["alert.triggered"] }); // other user
    await insertAssets([{ symbol: "AAPL", name: "Apple" }]);
    const alert = await call("/v1/alerts", {
      method: "POST",
      token: a.token,
      json: { symbol: "AAPL", condition: "above", price: 1 },
    });
    const { enqueued } = await consume([{ body: event("alert.triggered", { alert: { id: alert.body.id } }) }]);
    expect(enqueued.map((m) => m.webhook_id)).toEqual([mine.body.id]);
  });

  it("sends refresh events only to administrators' subscriptions", async () => {
    const admin = await userToken("admin");
    const user = await userToken();
    const adminHook = await create(admin.token, { url: "https://example.com/ops", events: ["refresh.failed"] });
    await create(user.token, { url: "https://example.com/mine", events: ["refresh.failed"] });
    const { enqueued } = await consume([{ body: event("refresh.failed", { job_id: "job_x" }) }]);
    expect(enqueued.map((m) => m.webhook_id)).toEqual([adminHook.body.id]);
  });
});
