// Paper trading (API.md "Paper trading"): order lifecycle, fills on ticks, portfolio arithmetic, refusals, ownership.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type LiveQuote, publishQuotes } from "../../src/services/live";
import { fillCrossedOrders } from "../../src/services/paper-trading";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertQuote } from "../helpers/market";

let ids: Map<string, number>;
const tick = (symbol: string, price: number): LiveQuote => ({
  symbol,
  price,
  ts: new Date().toISOString(),
  source: "test",
});
/** Moves the stored quote (what market orders and the portfolio read). */
const setQuote = (symbol: string, price: number) =>
  insertQuote(ids.get(symbol)!, price, price, new Date().toISOString());
const order = (token: string, json: Record<string, unknown>) => call("/v1/orders", { method: "POST", token, json });

beforeAll(async () => {
  ids = await insertAssets([
    { symbol: "AAPL", name: "Apple" },
    { symbol: "MSFT", name: "Microsoft" },
    { symbol: "TSLA", name: "Tesla" },
  ]);
  await setQuote("AAPL", 100);
  await setQuote("MSFT", 50);
});

describe("market orders and the portfolio", () => {
  it("fills at the latest quote and reconciles cash, equity and P&L to the cent", async () => {
    const { token } = await userToken();
    await setQuote("AAPL", 100);
    const start = await call("/v1/portfolio", { token });
    // Every account opens with PAPER_CASH (100,000).
    expect(start.body).toEqual({ cash: 100000, equity: 100000, positions: [], realized_pnl: 0 });

    const buy = await order(token, { symbol: "AAPL", side: "buy", qty: 10, type: "market" });
    expect(buy.status).toBe(201);
    expect(buy.body).toMatchObject({
      id: expect.stringMatching(/^ord_/),
      status: "filled",
      filled_qty: 10,
      avg_fill_price: 100,
    });

    // 10 × 100 = 1,000 spent: cash 99,000; the position is worth 1,000, so equity is still 100,000.
    let p = await call("/v1/portfolio", { token });
    expect(p.body).toEqual({
      cash: 99000,
      equity: 100000,
      positions: [{ symbol: "AAPL", qty: 10, avg_cost: 100, last_price: 100, market_value: 1000, unrealized_pnl: 0 }],
      realized_pnl: 0,
    });

    await setQuote("AAPL", 110);
    // Marked at 110: 10 × 110 = 1,100 → unrealized +100, equity 99,000 + 1,100 = 100,100.
    p = await call("/v1/portfolio", { token });
    expect(p.body.equity).toBe(100100);
    expect(p.body.positions[0]).toMatchObject({ market_value: 1100, unrealized_pnl: 100, last_price: 110 });

    const sell = await order(token, { symbol: "AAPL", side: "sell", qty: 4, type: "market" });
    expect(sell.body).toMatchObject({ status: "filled", avg_fill_price: 110 });
    // Sold 4 × 110 = 440; their cost was 4/10 × 1,000 = 400 → realized +40. Cash 99,000 + 440 = 99,440.
    // Left: 6 shares costing 600 (avg 100), worth 660 → unrealized +60; equity 99,440 + 660 = 100,100.
    p = await call("/v1/portfolio", { token });
    expect(p.body).toEqual({
      cash: 99440,
      equity: 100100,
      positions: [{ symbol: "AAPL", qty: 6, avg_cost: 100, last_price: 110, market_value: 660, unrealized_pnl: 60 }],
      realized_pnl: 40,
    });
    await setQuote("AAPL", 100);
  });

  it("keeps fractional cents exact (0.1 + 0.2 shares at 33.33)", async () => {
    const { token } = await userToken();
    await setQuote("TSLA", 33.33);
    await order(token, { symbol: "TSLA", side: "buy", qty: 0.1, type: "market" });
    await order(token, { symbol: "TSLA", side: "buy", qty: 0.2, type: "market" });
    const p = await call("/v1/portfolio", { token });
    // Buys are charged rounded up: 0.1 × 33.33 = 3.333 → 3.34; 0.2 × 33.33 = 6.666 → 6.67;
    // cash 100,000 − 10.01 = 99,989.99 (the position is still worth 0.3 × 33.33 = 9.999 → 10.00).
    expect(p.body.cash).toBe(99989.99);
    expect(p.body.positions[0]).toMatchObject({ symbol: "TSLA", qty: 0.3, market_value: 10 });
  });

  it("replays an order placed twice with the same Idempotency-Key", async () => {
    const { token } = await userToken();
    const json = { symbol: "AAPL", side: "buy", qty: 2, type: "market" };
    const headers = { "idempotency-key": "order-once-1" };
    const first = await call("/v1/orders", { method: "POST", token, json, headers });
    const again = await call("/v1/orders", { method: "POST", token, json, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await call("/v1/orders", { token })).body.data).toHaveLength(1);
    const changed = await call("/v1/orders", { method: "POST", token, json: { ...json, qty: 3 }, headers });
    expect(changed.status).toBe(422);
    expect(changed.problem.code).toBe("idempotency_conflict");
  });

  it("creates the opening deposit once however many first requests race", async () => {
    const { id, token } = await userToken();
    await Promise.all(Array.from({ length: 6 }, () => call("/v1/portfolio", { token })));
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM ledger WHERE owner_id = ? AND kind = 'deposit'")
      .bind(id)
      .first<{ n: number }>();
    expect(n?.n).toBe(1);
  });
});

describe("refusals", () => {
  it("refuses a buy the cash cannot pay for with 422", async () => {
    const { token } = await userToken();
    // 1,001 × 100 = 100,100 > 100,000.
    const r = await order(token, { symbol: "AAPL", side: "buy", qty: 1001, type: "market" });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({
      code: "validation_failed",
      status: 422,
      detail: expect.stringContaining("Insufficient cash"),
    });
    expect((await call("/v1/orders", { token })).body.data).toEqual([]);
  });

  it("refuses selling shares not held with 422", async () => {
    const { token } = await userToken();
    await order(token, { symbol: "MSFT", side: "buy", qty: 3, type: "market" });
    const r = await order(token, { symbol: "MSFT", side: "sell", qty: 4, type: "market" });
    expect(r.status).toBe(422);
    expect(r.problem.detail).toContain("Insufficient shares");
  });

  it("counts cash held by open buy limits", async () => {
    const { token } = await userToken();
    // Marketable (MSFT at 50): 900 × 50 = 45,000 spent, cash 55,000.
    expect(
      (await order(token, { symbol: "MSFT", side: "buy", qty: 900, type: "limit", limit_price: 100 })).body.status,
    ).toBe("filled");
    // Resting (AAPL at 100): holds 500 × 20 = 10,000, so 45,000 is free.
    const held = await order(token, { symbol: "AAPL", side: "buy", qty: 500, type: "limit", limit_price: 20 });
    expect(held.body.status).toBe("open");
    // 500 × 100 = 50,000: within the 55,000 cash, but not within the 45,000 free.
    const r = await order(token, { symbol: "AAPL", side: "buy", qty: 500, type: "market" });
    expect(r.status).toBe(422);
  });

  it("validates qty and the limit price rule", async () => {
    const { token } = await userToken();
    const bad = [
      { symbol: "AAPL", side: "buy", qty: 1, type: "limit" },
      { symbol: "AAPL", side: "buy", qty: 1, type: "market", limit_price: 10 },
      { symbol: "AAPL", side: "buy", qty: 0, type: "market" },
      { symbol: "AAPL", side: "buy", qty: -3, type: "market" },
      { symbol: "AAPL", side: "buy", qty: 1e9, type: "market" },
      { symbol: "AAPL", side: "hold", qty: 1, type: "market" },
    ];
    for (const json of bad) expect((await order(token, json)).status, JSON.stringify(json)).toBe(400);
    const unknown = await order(token, { symbol: "NOPE", side: "buy", qty: 1, type: "market" });
    expect(unknown.status).toBe(422);
  });
});

describe("limit orders", () => {
  it("fills a resting limit when a tick crosses it, at the tick's price", async () => {
    const { token } = await userToken();
    await setQuote("MSFT", 50);
    const placed = await order(token, { symbol: "MSFT", side: "buy", qty: 5, type: "limit", limit_price: 45 });
    expect(placed.body).toMatchObject({
      status: "open",
      limit_price: 45,
      time_in_force: "day",
      expires_at: expect.any(String),
    });
    await publishQuotes(env, [tick("MSFT", 46)]); // above the limit: stays open
    expect((await call(`/v1/orders/${placed.body.id}`, { token })).body.status).toBe("open");
    await setQuote("MSFT", 44);
    const report = await publishQuotes(env, [tick("MSFT", 44)]);
    expect(report.fills).toBeGreaterThanOrEqual(1);
    const after = await call(`/v1/orders/${placed.body.id}`, { token });
    expect(after.body).toMatchObject({ status: "filled", avg_fill_price: 44, filled_qty: 5 });
    // 5 × 44 = 220 → cash 99,780.
    expect((await call("/v1/portfolio", { token })).body.cash).toBe(99780);
    await setQuote("MSFT", 50);
  });

  it("fills a marketable limit at once, at the quote (price improvement to the trader)", async () => {
    const { token } = await userToken();
    await setQuote("MSFT", 50);
    const r = await order(token, {
      symbol: "MSFT",
      side: "buy",
      qty: 2,
      type: "limit",
      limit_price: 60,
      time_in_force: "gtc",
    });
    expect(r.body).toMatchObject({ status: "filled", avg_fill_price: 50, expires_at: null });
  });

  it("never fills the same order twice when ticks race", async () => {
    const { id, token } = await userToken();
    const placed = await order(token, {
      symbol: "TSLA",
      side: "buy",
      qty: 1,
      type: "limit",
      limit_price: 10,
      time_in_force: "gtc",
    });
    const quotes = [tick("TSLA", 9.5)];
    await Promise.all([fillCrossedOrders(env, quotes), fillCrossedOrders(env, quotes), fillCrossedOrders(env, quotes)]);
    const fills = await env.DB.prepare("SELECT COUNT(*) AS n FROM fills WHERE order_id = ?")
      .bind(placed.body.id)
      .first<{ n: number }>();
    const buys = await env.DB.prepare("SELECT COUNT(*) AS n FROM ledger WHERE owner_id = ? AND kind = 'buy'")
      .bind(id)
      .first<{ n: number }>();
    expect(fills?.n).toBe(1);
    expect(buys?.n).toBe(1);
    expect((await call("/v1/portfolio", { token })).body.cash).toBe(99990.5);
  });

  it("cancels an open order once; a second cancel or a filled order is 409", async () => {
    const { token } = await userToken();
    const placed = await order(token, { symbol: "AAPL", side: "buy", qty: 1, type: "limit", limit_price: 1 });
    const canceled = await call(`/v1/orders/${placed.body.id}`, { method: "DELETE", token });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: "canceled", canceled_at: expect.any(String) });
    expect((await call(`/v1/orders/${placed.body.id}`, { method: "DELETE", token })).status).toBe(409);
    const filled = await order(token, { symbol: "AAPL", side: "buy", qty: 1, type: "market" });
    const r = await call(`/v1/orders/${filled.body.id}`, { method: "DELETE", token });
    expect(r.status).toBe(409);
    expect(r.problem.code).toBe("conflict");
  });

  it("expires a day order once its session has closed", async () => {
    const { token } = await userToken();
    const placed = await order(token, { symbol: "AAPL", side: "buy", qty: 1, type: "limit", limit_price: 1 });
    await env.DB.prepare("UPDATE orders SET expires_at = '2020-01-01T21:00:00.000Z' WHERE id = ?")
      .bind(placed.body.id)
      .run();
    expect((await call(`/v1/orders/${placed.body.id}`, { token })).body.status).toBe("expired");
  });
});

describe("reads and ownership", () => {
  it("lists only the caller's orders, filtered by status, in cursor pages", async () => {
    const { token } = await userToken();
    const other = await userToken();
    await order(other.token, { symbol: "AAPL", side: "buy", qty: 1, type: "market" });
    for (let i = 0; i < 3; i++)
      await order(token, { symbol: "AAPL", side: "buy", qty: 1, type: "limit", limit_price: 1 + i });
    await order(token, { symbol: "AAPL", side: "buy", qty: 1, type: "market" });
    const open = await call("/v1/orders?status=open&limit=2", { token });
    expect(open.body.data).toHaveLength(2);
    expect(open.body.next_cursor).toEqual(expect.any(String));
    const rest = await call(`/v1/orders?status=open&limit=2&cursor=${open.body.next_cursor}`, { token });
    expect(rest.body.data).toHaveLength(1);
    expect(rest.body.next_cursor).toBeNull();
    const all = await call("/v1/orders", { token });
    expect(all.body.data).toHaveLength(4);
    expect((await call(`/v1/orders?status=filled&cursor=${open.body.next_cursor}`, { token })).status).toBe(400);
  });

  it("answers another user's order id with 404 on read and cancel", async () => {
    const owner = await userToken();
    const stranger = await userToken();
    const placed = await order(owner.token, { symbol: "AAPL", side: "buy", qty: 1, type: "limit", limit_price: 1 });
    expect((await call(`/v1/orders/${placed.body.id}`, { token: stranger.token })).status).toBe(404);
    expect((await call(`/v1/orders/${placed.body.id}`, { method: "DELETE", token: stranger.token })).status).toBe(404);
    expect((await call(`/v1/orders/${placed.body.id}`, { token: owner.token })).body.status).toBe("open");
  });
});
