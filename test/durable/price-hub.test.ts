// The live stream contract (API.md "Live stream") through the real Worker and PriceHub shards.
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/db/ids";
import { computeIndex } from "../../src/domain/index-levels";
import type { SocketState } from "../../src/durable/stream-protocol";
import { type LiveQuote, publishQuotes } from "../../src/services/live";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertQuote, weekdays } from "../helpers/market";
import { authedStream, connectShard, connectStream, frameOf } from "../helpers/stream";

let ids: Map<string, number>;
const SYMBOLS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META"];

beforeAll(async () => {
  ids = await insertAssets(SYMBOLS.map((symbol) => ({ symbol, name: `${symbol} Inc.` })));
});

const quote = (symbol: string, price: number, ts = new Date().toISOString()): LiveQuote => ({
  symbol,
  price,
  previous_close: 100,
  ts,
  source: "test",
});

describe("authentication", () => {
  it("upgrades without a header credential and authenticates with the first message", async () => {
    const { token } = await userToken();
    const client = await connectStream();
    client.send({ action: "auth", token });
    expect(await client.next((f) => f.type === "status")).toEqual({ type: "status", status: "authenticated" });
  });

  it("authenticates with an API key as well", async () => {
    const { token } = await userToken();
    const created = await call("/v1/api-keys", { method: "POST", token, json: { name: "stream" } });
    expect(created.status).toBe(201);
    const client = await connectStream();
    client.send({ action: "auth", token: created.body.key });
    expect(await client.next((f) => f.type === "status")).toEqual({ type: "status", status: "authenticated" });
  });

  it("answers a plain GET (no upgrade) with 400 validation_failed naming the Upgrade header", async () => {
    const r = await call("/v1/stream");
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("validation_failed");
    expect(r.problem.errors).toEqual([{ path: "Upgrade", message: "must be websocket" }]);
    expect(r.headers.get("upgrade")).toBe("websocket");
  });

  it("closes 4001 on a bad token", async () => {
    const client = await connectStream();
    client.send({ action: "auth", token: "not-a-token" });
    expect(await client.next((f) => f.type === "error")).toMatchObject({ code: "unauthorized" });
    expect((await client.waitClosed()).code).toBe(4001);
  });

  it("closes 4001 when the first message is not auth", async () => {
    const client = await connectStream();
    client.send({ action: "subscribe", symbols: ["AAPL"] });
    expect((await client.waitClosed()).code).toBe(4001);
  });

  it("closes 4001 when no auth arrives before the deadline (alarm)", async () => {
    const client = await connectShard("shard:2");
    const stub = env.PRICE_HUB.getByName("shard:2");
    // Stand-in for 10 s passing: move every anonymous socket's deadline into the past, then fire the alarm.
    await runInDurableObject(stub, (_instance, state) => {
      for (const ws of state.getWebSockets()) {
        const s = ws.deserializeAttachment() as SocketState;
        if (!s.userId) ws.serializeAttachment({ ...s, deadline: 0 });
      }
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await client.waitClosed()).code).toBe(4001);
  });

  it("keeps an authenticated socket open through the deadline alarm", async () => {
    const { token } = await userToken();
    const client = await authedStream(token, "shard:2");
    const stub = env.PRICE_HUB.getByName("shard:2");
    await stub.fetch(new Request("http://x", { headers: { Upgrade: "websocket" } })); // arms the alarm again
    await runDurableObjectAlarm(stub);
    client.send({ action: "ping" });
    await client.next((f) => f.type === "pong");
    expect(client.closed).toBeNull();
  });
});

describe("subscriptions", () => {
  it("echoes subscriptions and sends the latest stored quote at once", async () => {
    await insertQuote(ids.get("AAPL")!, 189.3, 187.5, "2026-01-05T15:00:00.000Z");
    const { token } = await userToken();
    const client = await authedStream(token);
    client.send({ action: "subscribe", symbols: ["aapl"] });
    expect(await client.next((f) => f.type === "subscribed")).toEqual({
      type: "subscribed",
      symbols: ["AAPL"],
      indexes: [],
    });
    const q = await client.next((f) => f.type === "quote" && f.symbol === "AAPL");
    expect(q).toMatchObject({ price: 189.3, ts: "2026-01-05T15:00:00.000Z", seq: expect.any(Number) });
  });

  it("reports unknown symbols and still subscribes the known ones", async () => {
    const { token } = await userToken();
    const client = await authedStream(token);
    client.send({ action: "subscribe", symbols: ["MSFT", "NOPE1", "NOPE2"] });
    expect(await client.next((f) => f.type === "error")).toMatchObject({
      code: "unknown_symbol",
      message: expect.stringContaining("NOPE1"),
    });
    expect(await client.next((f) => f.type === "subscribed")).toMatchObject({ symbols: ["MSFT"] });
  });

  it("refuses a subscribe past the limit whole, before looking any symbol up", async () => {
    const { token } = await userToken();
    const client = await authedStream(token);
    client.send({ action: "subscribe", symbols: ["AAPL"] });
    await client.next((f) => f.type === "subscribed");
    const tooMany = Array.from({ length: 100 }, (_, i) => `ZZ${i}`); // 1 held + 100 new > 100
    client.send({ action: "subscribe", symbols: tooMany });
    expect(await client.next((f) => f.type === "error")).toMatchObject({ code: "too_many_subscriptions" });
    // No unknown_symbol error: nothing was looked up; and the existing subscription is untouched.
    expect(await client.quiet((f) => f.type === "error" && f.code === "unknown_symbol")).toEqual([]);
    client.send({ action: "subscribe", symbols: [] });
    expect(await client.next((f) => f.type === "subscribed", { from: 2 })).toMatchObject({ symbols: ["AAPL"] });
  });

  it("answers malformed frames with bad_message and keeps the connection", async () => {
    const { token } = await userToken();
    const client = await authedStream(token);
    client.send("{not json");
    expect(await client.next((f) => f.type === "error")).toMatchObject({ code: "bad_message" });
    client.send({ action: "dance" });
    client.send({ action: "subscribe", symbols: "AAPL" });
    await client.next((f, i = client.frames.indexOf(f)) => f.type === "error" && f.code === "bad_message" && i >= 3);
    client.send({ action: "ping" });
    expect(await client.next((f) => f.type === "pong")).toEqual({ type: "pong" });
    expect(client.closed).toBeNull();
  });

  it("answers ping with pong, exact string and variants", async () => {
    const { token } = await userToken();
    const client = await authedStream(token);
    client.send('{"action":"ping"}');
    client.send('{ "action" : "ping" }');
    await new Promise((r) => setTimeout(r, 100));
    expect(client.frames.filter((f) => f.type === "pong")).toHaveLength(2);
  });

  it("stops sending a symbol after unsubscribe", async () => {
    const { token } = await userToken();
    const client = await authedStream(token);
    client.send({ action: "subscribe", symbols: ["NVDA", "AMZN"] });
    await client.next((f) => f.type === "subscribed");
    client.send({ action: "unsubscribe", symbols: ["NVDA"] });
    expect(await client.next((f) => f.type === "subscribed" && f.symbols.length === 1)).toMatchObject({
      symbols: ["AMZN"],
    });
    await publishQuotes(env, [quote("NVDA", 500), quote("AMZN", 180)]);
    await client.next((f) => f.type === "quote" && f.symbol === "AMZN" && f.price === 180);
    expect(client.frames.filter((f) => f.type === "quote" && f.symbol === "NVDA")).toEqual([]);
  });
});

describe("publishing", () => {
  it("numbers each symbol's quotes with a rising seq", async () => {
    const { token } = await userToken();
    const client = await authedStream(token);
    client.send({ action: "subscribe", symbols: ["GOOG"] });
    await client.next((f) => f.type === "subscribed");
    for (const p of [140, 141, 142]) await publishQuotes(env, [quote("GOOG", p)]);
    await client.next((f) => f.type === "quote" && f.price === 142);
    const seqs = client.frames.filter(frameOf("quote", (f) => f.symbol === "GOOG" && f.price >= 140)).map((f) => f.seq);
    expect(seqs).toHaveLength(3);
    expect(seqs[1]).toBe(seqs[0]! + 1);
    expect(seqs[2]).toBe(seqs[1]! + 1);
  });

  it("delivers each tick once to sockets on every shard", async () => {
    const { token } = await userToken();
    const clients = await Promise.all(["shard:0", "shard:1", "shard:2", "shard:3"].map((s) => authedStream(token, s)));
    for (const c of clients) {
      c.send({ action: "subscribe", symbols: ["META"] });
      await c.next((f) => f.type === "subscribed");
    }
    const report = await publishQuotes(env, [quote("META", 600.5)]);
    expect(report.sockets).toBeGreaterThanOrEqual(4);
    for (const c of clients) await c.next((f) => f.type === "quote" && f.price === 600.5);
    await new Promise((r) => setTimeout(r, 50));
    for (const c of clients) expect(c.frames.filter((f) => f.type === "quote" && f.price === 600.5)).toHaveLength(1);
  });

  it("keeps auth and subscriptions across hibernation (eviction)", async () => {
    const { id, token } = await userToken();
    const client = await authedStream(token, "shard:1");
    client.send({ action: "subscribe", symbols: ["MSFT"] });
    await client.next((f) => f.type === "subscribed");
    const stub = env.PRICE_HUB.getByName("shard:1");
    const attachments = await runInDurableObject(stub, (_i, state) =>
      state.getWebSockets().map((ws) => ws.deserializeAttachment() as SocketState),
    );
    expect(attachments.some((a) => a.userId === id)).toBe(true);
    await evictDurableObject(stub); // hibernates the sockets and drops every in-memory map
    await publishQuotes(env, [quote("MSFT", 420.25)]);
    expect(await client.next((f) => f.type === "quote" && f.price === 420.25)).toMatchObject({ symbol: "MSFT" });
    client.send({ action: "unsubscribe", symbols: ["MSFT"] });
    expect(await client.next((f) => f.type === "subscribed" && f.symbols.length === 0)).toBeTruthy();
  });

  it("runs the local clock: one tick stores synthetic quotes in D1 and streams them", async () => {
    const { token } = await userToken();
    const client = await authedStream(token);
    client.send({ action: "subscribe", symbols: ["NVDA"] });
    await client.next((f) => f.type === "subscribed");
    const before = client.frames.length;
    const report = await env.PRICE_HUB.getByName("publisher").tick(Date.now(), true);
    expect(report?.quotes).toBeGreaterThan(0); // every test asset the synthetic universe knows
    const frame = await client.next(
      frameOf("quote", (f) => f.symbol === "NVDA"),
      { from: before },
    );
    const stored = await env.DB.prepare(
      "SELECT q.price, q.source FROM quotes q JOIN assets a ON a.id = q.asset_id WHERE a.symbol = 'NVDA'",
    ).first<{
      price: number;
      source: string;
    }>();
    expect(stored).toEqual({ price: frame.price, source: "synthetic" });
  });

  it("sends a fired alert to its owner's sockets only", async () => {
    const owner = await userToken();
    const other = await userToken();
    const mine = await authedStream(owner.token, "shard:3");
    const theirs = await authedStream(other.token, "shard:3");
    const created = await call("/v1/alerts", {
      method: "POST",
      token: owner.token,
      json: { symbol: "AMZN", condition: "above", price: 250 },
    });
    expect(created.status).toBe(201);
    await publishQuotes(env, [quote("AMZN", 251)]);
    expect(await mine.next((f) => f.type === "alert")).toMatchObject({
      id: created.body.id,
      symbol: "AMZN",
      price: 251,
      message: "AMZN rose to 251.00, crossing your alert above 250.00.",
    });
    expect(await theirs.quiet((f) => f.type === "alert")).toEqual([]);
  });
});

describe("live index levels", () => {
  const dates = weekdays("2025-01-02", 30);
  const closes: Record<string, (i: number) => number> = {
    AAPL: (i) => 100 + i,
    MSFT: (i) => 200 - i * 0.5,
    NVDA: (i) => 50 * 1.01 ** i,
  };
  const build = () => {
    const prices = Object.fromEntries(
      Object.entries(closes).map(([s, f]) => [s, dates.map((date, i) => ({ date, close: f(i) }))]),
    );
    const out = computeIndex({
      constituents: Object.keys(closes),
      prices,
      weighting: "equal",
      rebalance: "monthly",
      baseDate: dates[0]!,
      baseValue: 1000,
    });
    if (!out.ok) throw new Error(out.detail);
    return out.value;
  };

  async function storeIndex(ownerId: string, withShares: boolean) {
    const b = build();
    const id = newId("idx");
    await env.DB.prepare(
      "INSERT INTO indexes (id, owner_id, name, definition, status, version, ready_version) VALUES (?, ?, 'Live', '{}', 'ready', 1, 1)",
    )
      .bind(id, ownerId)
      .run();
    const last = b.allocations[b.allocations.length - 1]!;
    const holdings = Object.entries(last.weights).map(([symbol, weight]) => [
      ids.get(symbol)!,
      weight,
      withShares ? last.shares[symbol]! : null,
    ]);
    await env.DB.prepare(
      "INSERT INTO allocation_sets (index_id, version, rebalance_date, holdings) VALUES (?, 1, ?, ?)",
    )
      .bind(id, last.rebalance_date, JSON.stringify(holdings))
      .run();
    if (!withShares) {
      // The fallback path needs the level and each close on the rebalance date.
      const level = b.levels.find((l) => l.date === last.rebalance_date)!;
      await env.DB.prepare("INSERT INTO index_values (index_id, version, date, value) VALUES (?, 1, ?, ?)")
        .bind(id, level.date, level.value)
        .run();
      const day = dates.indexOf(last.rebalance_date);
      for (const [symbol, f] of Object.entries(closes)) {
        await env.DB.prepare(
          "INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?, 1, 'test', '2025-01-01T00:00:00Z')",
        )
          .bind(ids.get(symbol)!, last.rebalance_date, f(day), f(day), f(day), f(day))
          .run();
      }
    }
    return { id, engineLevel: b.levels[b.levels.length - 1]!.value };
  }

  for (const withShares of [true, false]) {
    it(`equals the engine's level for the same prices (${withShares ? "stored units" : "units from weights"})`, async () => {
      const user = await userToken();
      const { id, engineLevel } = await storeIndex(user.id, withShares);
      const client = await authedStream(user.token);
      client.send({ action: "subscribe", indexes: [id] });
      await client.next((f) => f.type === "subscribed" && f.indexes.includes(id));
      const lastDay = dates.length - 1;
      const tick = Object.entries(closes).map(([s, f]) => quote(s, f(lastDay)));
      const report = await publishQuotes(env, tick);
      expect(report.indexes).toBeGreaterThanOrEqual(1);
      const frame = await client.next(frameOf("index", (f) => f.id === id));
      expect(frame.value).toBeCloseTo(engineLevel, 6);
      expect(frame.seq).toBeGreaterThanOrEqual(1);
    });
  }

  it("refuses another user's index as unknown", async () => {
    const owner = await userToken();
    const { id } = await storeIndex(owner.id, true);
    const stranger = await userToken();
    const client = await authedStream(stranger.token);
    client.send({ action: "subscribe", indexes: [id] });
    expect(await client.next((f) => f.type === "error")).toMatchObject({ code: "unknown_symbol" });
  });
});
