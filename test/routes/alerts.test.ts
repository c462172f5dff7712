// Price alerts (API.md "Alerts and webhooks"): CRUD, ownership, firing exactly once, the alert.triggered event.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Alert } from "../../src/schemas/trading";
import { triggerAlerts } from "../../src/services/alerts";
import { type LiveQuote, publishQuotes } from "../../src/services/live";
import { call, userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";

type AlertView = z.infer<typeof Alert>;

const tick = (symbol: string, price: number): LiveQuote => ({
  symbol,
  price,
  ts: new Date().toISOString(),
  source: "test",
});
const create = (token: string, json: Record<string, unknown>) => call("/v1/alerts", { method: "POST", token, json });

beforeAll(async () => {
  await insertAssets([
    { symbol: "AAPL", name: "Apple" },
    { symbol: "MSFT", name: "Microsoft" },
  ]);
});

describe("alerts", () => {
  it("creates, lists and deletes the caller's alerts", async () => {
    const { token } = await userToken();
    const r = await create(token, { symbol: "aapl", condition: "above", price: 200 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: expect.stringMatching(/^alr_/),
      symbol: "AAPL",
      condition: "above",
      price: 200,
      status: "active",
      triggered_at: null,
    });
    expect((await call("/v1/alerts", { token })).body.data.map((a: AlertView) => a.id)).toEqual([r.body.id]);
    expect((await call(`/v1/alerts/${r.body.id}`, { method: "DELETE", token })).status).toBe(204);
    expect((await call("/v1/alerts", { token })).body.data).toEqual([]);
    expect((await call(`/v1/alerts/${r.body.id}`, { method: "DELETE", token })).status).toBe(404);
  });

  it("validates the body and refuses unknown symbols", async () => {
    const { token } = await userToken();
    expect((await create(token, { symbol: "AAPL", condition: "sideways", price: 1 })).status).toBe(400);
    expect((await create(token, { symbol: "AAPL", condition: "above", price: -1 })).status).toBe(400);
    expect((await create(token, { symbol: "AAPL", condition: "above" })).status).toBe(400);
    expect((await create(token, { symbol: "NOPE", condition: "above", price: 1 })).status).toBe(422);
  });

  it("answers another user's alert with 404 and never lists it", async () => {
    const owner = await userToken();
    const stranger = await userToken();
    const r = await create(owner.token, { symbol: "AAPL", condition: "below", price: 10 });
    expect((await call(`/v1/alerts/${r.body.id}`, { method: "DELETE", token: stranger.token })).status).toBe(404);
    expect((await call("/v1/alerts", { token: stranger.token })).body.data).toEqual([]);
  });

  it("fires once when a tick crosses, even when ticks race", async () => {
    const { token } = await userToken();
    const above = await create(token, { symbol: "MSFT", condition: "above", price: 400 });
    const below = await create(token, { symbol: "MSFT", condition: "below", price: 300 });
    expect(await triggerAlerts(env, [tick("MSFT", 399.99)])).toEqual([]);
    const ticks = [tick("MSFT", 401.5)];
    const fired = (
      await Promise.all([triggerAlerts(env, ticks), triggerAlerts(env, ticks), triggerAlerts(env, ticks)])
    ).flat();
    expect(fired.filter((a) => a.id === above.body.id)).toHaveLength(1);
    expect(fired.some((a) => a.id === below.body.id)).toBe(false);
    // Later crossings change nothing: it stays triggered at its first price.
    await publishQuotes(env, [tick("MSFT", 450)]);
    const list = (await call("/v1/alerts", { token })).body.data;
    expect(list.find((a: AlertView) => a.id === above.body.id)).toMatchObject({
      status: "triggered",
      triggered_price: 401.5,
      triggered_at: expect.any(String),
    });
    expect(list.find((a: AlertView) => a.id === below.body.id)).toMatchObject({ status: "active" });
  });

  it("queues an alert.triggered event naming the alert", async () => {
    const { token } = await userToken();
    const r = await create(token, { symbol: "AAPL", condition: "below", price: 50 });
    const sent: unknown[] = [];
    const original = env.WEBHOOKS.send.bind(env.WEBHOOKS);
    env.WEBHOOKS.send = async (body: unknown) => {
      sent.push(body);
      return {} as QueueSendResponse;
    };
    try {
      await triggerAlerts(env, [tick("AAPL", 49)]);
    } finally {
      env.WEBHOOKS.send = original;
    }
    expect(sent).toContainEqual(
      expect.objectContaining({
        kind: "event",
        type: "alert.triggered",
        data: expect.objectContaining({
          alert: expect.objectContaining({ id: r.body.id }),
          message: "AAPL fell to 49.00, crossing your alert below 50.00.",
        }),
      }),
    );
  });
});
