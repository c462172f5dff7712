// Finding 3 (scopes, API.md v1.1): read / trade / manage / admin, checked per route; a key never exceeds its owner.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { authed, createKey, registerAdmin, registerUser, withKey } from "../helpers/auth";
import { insertAssets, insertQuote } from "../helpers/market";
import { authedStream, connectStream } from "../helpers/stream";

let owner: Awaited<ReturnType<typeof registerUser>>;
beforeAll(async () => {
  owner = await registerUser();
  const ids = await insertAssets([{ symbol: "AAPL", name: "Apple" }]);
  await insertQuote(ids.get("AAPL")!, 100, 100);
});

describe("a read-only key", () => {
  it("cannot revoke its owner's trade key, mint keys, create webhooks or alerts (403), and changes nothing", async () => {
    const reader = await createKey(owner.access_token, { name: "reader", scopes: ["read"] });
    const trader = await createKey(owner.access_token, { name: "trader", scopes: ["read", "trade"] });
    const as = withKey(reader.key);
    const attempts = [
      await as(`/v1/api-keys/${trader.id}`, { method: "DELETE" }),
      await as("/v1/api-keys", { method: "POST", json: { name: "sibling" } }),
      await as("/v1/api-keys"),
      await as("/v1/webhooks", { method: "POST", json: { url: "http://127.0.0.1:9/hook", events: ["order.filled"] } }),
      await as("/v1/alerts", { method: "POST", json: { symbol: "AAPL", condition: "above", price: 200 } }),
      await as("/v1/orders", { method: "POST", json: { symbol: "AAPL", side: "buy", qty: 1, type: "market" } }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(403);
      expect(r.problem.code).toBe("forbidden");
    }
    expect((await withKey(trader.key)("/v1/me")).status).toBe(200);
    const counts = await env.DB.prepare(
      "SELECT (SELECT COUNT(*) FROM webhooks) AS w, (SELECT COUNT(*) FROM alerts) AS a, (SELECT COUNT(*) FROM api_keys WHERE user_id = ?1) AS k",
    )
      .bind(owner.user.id)
      .first<{ w: number; a: number; k: number }>();
    expect(counts).toEqual({ w: 0, a: 0, k: 2 });
    // Reads still work.
    expect((await as("/v1/assets")).status).toBe(200);
    expect((await as("/v1/alerts")).status).toBe(200);
  });
});

describe("scopes by credential", () => {
  it("a session holds read, trade and manage; alerts need trade and webhooks manage", async () => {
    const as = authed(owner.access_token);
    expect(
      (await as("/v1/alerts", { method: "POST", json: { symbol: "AAPL", condition: "above", price: 200 } })).status,
    ).toBe(201);
    const trader = withKey((await createKey(owner.access_token, { name: "t", scopes: ["read", "trade"] })).key);
    expect(
      (await trader("/v1/alerts", { method: "POST", json: { symbol: "AAPL", condition: "below", price: 50 } })).status,
    ).toBe(201);
    expect((await trader("/v1/webhooks")).status).toBe(403);
    const manager = withKey((await createKey(owner.access_token, { name: "m", scopes: ["manage"] })).key);
    expect((await manager("/v1/webhooks")).status).toBe(200);
    expect(
      (await manager("/v1/alerts", { method: "POST", json: { symbol: "AAPL", condition: "above", price: 1 } })).status,
    ).toBe(403);
  });

  it("a non-admin cannot mint an admin key; an admin's admin key reaches /v1/admin", async () => {
    const denied = await authed(owner.access_token)("/v1/api-keys", {
      method: "POST",
      json: { name: "x", scopes: ["admin"] },
    });
    expect(denied.status).toBe(403);
    const admin = await registerAdmin();
    const key = await createKey(admin.access_token, { name: "ops", scopes: ["read", "admin"] });
    expect((await withKey(key.key)("/v1/admin/audit")).status).toBe(200);
    // ...but without `manage` it cannot mint more keys.
    expect((await withKey(key.key)("/v1/api-keys", { method: "POST", json: { name: "y" } })).status).toBe(403);
  });
});

describe("the stream is a read", () => {
  it("a key without `read` is refused at auth (unauthorized, close 4001); a read key and a session stream", async () => {
    const tradeOnly = await createKey(owner.access_token, { name: "trade-only", scopes: ["trade"] });
    const socket = await connectStream();
    socket.send({ action: "auth", token: tradeOnly.key });
    const refused = await socket.next((f) => f.type === "error");
    expect(refused).toMatchObject({ type: "error", code: "unauthorized" });
    expect((await socket.waitClosed()).code).toBe(4001);
    expect((await withKey(tradeOnly.key)("/v1/me")).status).toBe(403);

    const readKey = await createKey(owner.access_token, { name: "read-only", scopes: ["read"] });
    for (const token of [readKey.key, owner.access_token]) {
      const ok = await authedStream(token);
      ok.ws.close(1000, "done");
    }
  });
});
