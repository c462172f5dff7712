// Admin asset writes beyond create/patch/delete: a first market-cap observation on create, restoring a
// soft-deleted asset, and refusals that name the field and write nothing.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, rowCount, userToken } from "../helpers/http";
import { insertAssets, insertBars, weekdays } from "../helpers/market";

let admin: string;
let user: string;
const base = { name: "Capped Co", exchange: "NYSE", asset_class: "equity", sector: "Industrials" };

beforeAll(async () => {
  admin = (await userToken("admin")).token;
  user = (await userToken()).token;
  const ids = await insertAssets([{ symbol: "RSTR", name: "Restorable" }]);
  await insertBars(ids.get("RSTR")!, weekdays("2024-01-02", 10), (i) => 10 + i);
});

describe("POST /v1/assets with a market cap", () => {
  it("stores market_cap and shares_outstanding as one dated observation, served by /market-caps", async () => {
    const r = await call("/v1/assets", {
      method: "POST",
      token: admin,
      json: { ...base, symbol: "MCAP1", market_cap: 2.5e9, shares_outstanding: 1e8, market_cap_date: "2024-06-03" },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ symbol: "MCAP1", market_cap: 2.5e9 });
    const caps = await call("/v1/assets/MCAP1/market-caps", { token: user });
    expect(caps.status).toBe(200);
    expect(caps.body.data).toEqual([{ date: "2024-06-03", market_cap: 2.5e9, shares_outstanding: 1e8 }]);
  });

  it("dates the observation today without market_cap_date", async () => {
    const r = await call("/v1/assets", {
      method: "POST",
      token: admin,
      json: { ...base, symbol: "MCAP2", market_cap: 7e8 },
    });
    expect(r.status).toBe(201);
    const caps = await call("/v1/assets/MCAP2/market-caps", { token: user });
    expect(caps.body.data).toEqual([
      { date: new Date().toISOString().slice(0, 10), market_cap: 7e8, shares_outstanding: null },
    ]);
  });

  it.each([
    ["shares without a cap", { shares_outstanding: 1e6 }, "market_cap", "required with shares_outstanding"],
    ["a negative cap", { market_cap: -5 }, "market_cap", undefined],
    ["a cap as text", { market_cap: "1bn" }, "market_cap", undefined],
    ["a date without a cap", { market_cap_date: "2024-01-02" }, "market_cap_date", "applies only with market_cap"],
    [
      "a future date",
      { market_cap: 1e9, market_cap_date: "2099-01-02" },
      "market_cap_date",
      "must not be in the future",
    ],
    ["an unknown field", { market_cap: 1e9, float_shares: 5 }, "float_shares", "not allowed"],
  ])("refuses %s: 400 problem+json naming the field, nothing written", async (_what, extra, path, message) => {
    const before = [await rowCount("assets"), await rowCount("market_caps")];
    const r = await call("/v1/assets", { method: "POST", token: admin, json: { ...base, symbol: "MCAPX", ...extra } });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.problem.code).toBe("validation_failed");
    const named = r.problem.errors!.find((e: { path: string }) => e.path === path);
    expect(named).toBeDefined();
    if (message) expect(named!.message).toBe(message);
    expect([await rowCount("assets"), await rowCount("market_caps")]).toEqual(before);
  });

  it("writes no cap for an existing symbol (409)", async () => {
    const before = await rowCount("market_caps");
    const r = await call("/v1/assets", {
      method: "POST",
      token: admin,
      json: { ...base, symbol: "MCAP1", market_cap: 9e9 },
    });
    expect(r.status).toBe(409);
    expect(await rowCount("market_caps")).toBe(before);
  });
});

describe("POST /v1/assets/{symbol}/restore", () => {
  it("brings a soft-deleted asset back with its history; a create of the deleted symbol points at restore", async () => {
    expect((await call("/v1/assets/RSTR", { method: "DELETE", token: admin })).status).toBe(204);
    expect((await call("/v1/assets/RSTR", { token: user })).status).toBe(404);
    const again = await call("/v1/assets", { method: "POST", token: admin, json: { ...base, symbol: "RSTR" } });
    expect(again.status).toBe(409);
    expect(again.problem.detail).toContain("POST /v1/assets/RSTR/restore");

    const jobs = await rowCount("jobs");
    const restored = await call("/v1/assets/RSTR/restore", { method: "POST", token: admin });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ symbol: "RSTR", name: "Restorable" });
    expect(await rowCount("jobs")).toBe(jobs + 1); // a backfill of the days it missed
    expect((await call("/v1/assets/RSTR", { token: user })).status).toBe(200);
    const prices = await call("/v1/assets/RSTR/prices?start=2024-01-01&end=2024-01-31", { token: user });
    expect(prices.body.data).toHaveLength(10);
    const audit = await env.DB.prepare(
      "SELECT outcome FROM audit_log WHERE action = 'asset.restored' AND target = 'RSTR'",
    ).all<{ outcome: string }>();
    expect(audit.results.map((r) => r.outcome)).toEqual(["success"]);
  });

  it("answers 409 for an active asset, 404 for an unknown one, 403 for a user", async () => {
    const active = await call("/v1/assets/RSTR/restore", { method: "POST", token: admin });
    expect(active.status).toBe(409);
    expect(active.problem.code).toBe("conflict");
    expect((await call("/v1/assets/NOSUCH/restore", { method: "POST", token: admin })).status).toBe(404);
    expect((await call("/v1/assets/RSTR/restore", { method: "POST", token: user })).status).toBe(403);
  });
});
