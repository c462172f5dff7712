// Paper holdings follow splits: shares held through a split's date are restated once, open limit orders too.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { applyDueSplits } from "../../src/services/split-adjustments";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertQuote } from "../helpers/market";

let ids: Map<string, number>;
const today = new Date().toISOString().slice(0, 10);
const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

const setQuote = (symbol: string, price: number) =>
  insertQuote(ids.get(symbol)!, price, price, new Date().toISOString());
const order = (token: string, json: Record<string, unknown>) => call("/v1/orders", { method: "POST", token, json });
const split = (symbol: string, date: string, ratio: number) =>
  env.DB.prepare(
    "INSERT INTO corporate_actions (asset_id, kind, date, ratio, source) VALUES (?, 'split', ?, ?, 'test')",
  )
    .bind(ids.get(symbol)!, date, ratio)
    .run();

beforeAll(async () => {
  ids = await insertAssets([
    { symbol: "SPLT", name: "Splitter" },
    { symbol: "SAME", name: "Same-day buyer" },
  ]);
  await setQuote("SPLT", 100);
  await setQuote("SAME", 40);
});

describe("splits and paper holdings", () => {
  it("a 4-for-1 multiplies shares held before its date, keeps the cost, restates open limit orders, once", async () => {
    const { id, token } = await userToken();
    expect((await order(token, { symbol: "SPLT", side: "buy", qty: 10, type: "market" })).status).toBe(201);
    const limit = await order(token, {
      symbol: "SPLT",
      side: "buy",
      qty: 2,
      type: "limit",
      limit_price: 50,
      time_in_force: "gtc",
    });
    expect(limit.body.status).toBe("open");
    await split("SPLT", tomorrow, 4);

    // Not due yet: a split dated tomorrow changes nothing today.
    expect(await applyDueSplits(env.DB, today)).toEqual([]);

    const applied = await applyDueSplits(env.DB, tomorrow);
    expect(applied).toEqual([
      { owner_id: id, symbol: "SPLT", split_date: tomorrow, ratio: 4, held_before: 10, shares_added: 30 },
    ]);
    // 10 shares bought for 1,000 become 40 shares costing 1,000: avg cost 25; at the post-split quote of 25
    // the position is worth what it was (1,000), so the split moves no value.
    await setQuote("SPLT", 25);
    const p = await call("/v1/portfolio", { token });
    expect(p.body.positions).toEqual([
      { symbol: "SPLT", qty: 40, avg_cost: 25, last_price: 25, market_value: 1000, unrealized_pnl: 0 },
    ]);
    expect(p.body.equity).toBe(100000);
    // The open limit order for 2 @ 50 is now 8 @ 12.5 (same notional).
    const o = await call(`/v1/orders/${limit.body.id}`, { token });
    expect(o.body).toMatchObject({ qty: 8, limit_price: 12.5, status: "open" });

    // Redelivered refreshes change nothing.
    expect(await applyDueSplits(env.DB, tomorrow)).toEqual([]);
    expect((await call("/v1/portfolio", { token })).body.positions[0]!.qty).toBe(40);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM position_splits WHERE owner_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("shares bought on the split's date are already post-split and are left alone", async () => {
    const { token } = await userToken();
    expect((await order(token, { symbol: "SAME", side: "buy", qty: 5, type: "market" })).status).toBe(201);
    await split("SAME", today, 2);
    expect(await applyDueSplits(env.DB, today)).toEqual([]);
    expect((await call("/v1/portfolio", { token })).body.positions).toEqual([
      expect.objectContaining({ symbol: "SAME", qty: 5, avg_cost: 40 }),
    ]);
  });
});
