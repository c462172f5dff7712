// /v1/assets: search, filters, cursor pages, admin create/patch/soft-delete, and hostile input.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { AssetList } from "../../src/schemas/market";
import type { CallResult } from "../helpers/http";
import { call, rowCount, userToken } from "../helpers/http";
import { insertAssets, insertBars, insertMarketCap, weekdays } from "../helpers/market";

type AssetPage = z.infer<typeof AssetList>;

let user: string;
let admin: string;
const SYMBOLS = Array.from({ length: 57 }, (_, i) => `T${String(i).padStart(3, "0")}`);

beforeAll(async () => {
  user = (await userToken("user")).token;
  admin = (await userToken("admin")).token;
  const ids = await insertAssets([
    ...SYMBOLS.map((s, i) => ({ symbol: s, name: `Test Company ${i}`, sector: i % 2 ? "Energy" : "Technology" })),
    { symbol: "SPY", name: "SPDR S&P 500 ETF", asset_class: "etf", exchange: "NYSEARCA", sector: "Broad Market" },
  ]);
  await insertMarketCap(ids.get("T001")!, "2024-01-02", 1_000_000);
  await insertMarketCap(ids.get("T001")!, "2024-01-03", 2_000_000);
  await insertBars(ids.get("T002")!, weekdays("2024-01-01", 5), (i) => 10 + i);
});

describe("GET /v1/assets", () => {
  it("walks every asset exactly once through cursor pages", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: CallResult<AssetPage> = await call(`/v1/assets?limit=10${cursor ? `&cursor=${cursor}` : ""}`, {
        token: user,
      });
      expect(r.status).toBe(200);
      seen.push(...r.body.data.map((a: { symbol: string }) => a.symbol));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toHaveLength(58);
    expect(new Set(seen).size).toBe(58);
    expect(seen).toEqual([...seen].sort());
  });

  it("returns the public shape with the latest market cap", async () => {
    const r = await call("/v1/assets?search=T001", { token: user });
    expect(r.body.data[0]).toEqual({
      symbol: "T001",
      name: "Test Company 1",
      exchange: "NASDAQ",
      asset_class: "equity",
      currency: "USD",
      sector: "Energy",
      market_cap: 2_000_000,
      listed_at: null,
      delisted_at: null,
    });
  });

  it("filters by asset_class, exchange and name search", async () => {
    const etf = await call("/v1/assets?asset_class=etf", { token: user });
    expect(etf.body.data.map((a: { symbol: string }) => a.symbol)).toEqual(["SPY"]);
    const ex = await call("/v1/assets?exchange=nysearca", { token: user });
    expect(ex.body.data).toHaveLength(1);
    const name = await call("/v1/assets?search=S%26P", { token: user });
    expect(name.body.data.map((a: { symbol: string }) => a.symbol)).toEqual(["SPY"]);
    const like = await call("/v1/assets?search=%25", { token: user });
    expect(like.body.data).toHaveLength(0);
  });

  it("filters by sector, exactly and case-insensitively, combined with the other filters", async () => {
    // 57 test assets alternate Technology (even index) and Energy (odd): 29 and 28.
    const tech: string[] = [];
    let cursor: string | null = null;
    do {
      const r: CallResult<AssetPage> = await call(
        `/v1/assets?sector=technology&limit=100${cursor ? `&cursor=${cursor}` : ""}`,
        {
          token: user,
        },
      );
      expect(r.status).toBe(200);
      tech.push(...r.body.data.map((a: { symbol: string }) => a.symbol));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(tech).toEqual(SYMBOLS.filter((_, i) => i % 2 === 0));
    const energy = await call("/v1/assets?sector=Energy&search=T00&limit=100", { token: user });
    expect(energy.body.data.map((a: { symbol: string }) => a.symbol)).toEqual(["T001", "T003", "T005", "T007", "T009"]);
    const partial = await call("/v1/assets?sector=Tech", { token: user });
    expect(partial.body.data).toHaveLength(0);
    const empty = await call("/v1/assets?sector=", { token: user });
    expect(empty.status).toBe(400);
    expect(empty.problem.errors![0]!.path).toBe("sector");
  });

  it("refuses a tampered, foreign or garbage cursor with 400 invalid_cursor", async () => {
    const first = await call("/v1/assets?limit=5", { token: user });
    const cursor: string = first.body.next_cursor!;
    const [payload, sig] = cursor.split(".");
    const forged = btoa(JSON.stringify({ s: "T040" })).replace(/=+$/, "");
    for (const bad of [
      `${forged}.${sig}`,
      `${payload}.${sig!.slice(0, -2)}AA`,
      "garbage",
      "a.b.c",
      "%27%20OR%201%3D1--",
    ]) {
      const r = await call(`/v1/assets?limit=5&cursor=${bad}`, { token: user });
      expect(r.status, bad).toBe(400);
      expect(r.problem.code).toBe("invalid_cursor");
    }
    // the same cursor under other filters is foreign
    const other = await call(`/v1/assets?limit=5&asset_class=etf&cursor=${cursor}`, { token: user });
    expect(other.problem.code).toBe("invalid_cursor");
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["asset_class=bond", "asset_class"],
    ["unknown=1", "unknown"],
    [`search=${"x".repeat(65)}`, "search"],
  ])("refuses ?%s with 400 validation_failed", async (qs, path) => {
    const r = await call(`/v1/assets?${qs}`, { token: user });
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("validation_failed");
    expect(r.problem.errors!.map((e: { path: string }) => e.path)).toContain(path);
  });

  it("requires authentication", async () => {
    const r = await call("/v1/assets");
    expect(r.status).toBe(401);
    expect(r.problem.code).toBe("unauthorized");
  });
});

describe("GET /v1/assets/{symbol}", () => {
  it("reads one asset, case-insensitively", async () => {
    const r = await call("/v1/assets/spy", { token: user });
    expect(r.status).toBe(200);
    expect(r.body.symbol).toBe("SPY");
  });

  it("answers an unknown or hostile symbol with 404 / 400", async () => {
    expect((await call("/v1/assets/NOPE", { token: user })).status).toBe(404);
    const sql = await call(`/v1/assets/${encodeURIComponent("' OR 1=1 --")}`, { token: user });
    expect(sql.status).toBe(400);
    expect(sql.problem.code).toBe("validation_failed");
  });
});

describe("admin asset management", () => {
  const valid = { symbol: "ACME", name: "Acme Corp", exchange: "NYSE", asset_class: "equity", sector: "Industrials" };

  it("creates an asset (201), refuses a duplicate (409) and enqueues its backfill", async () => {
    const jobsBefore = await rowCount("jobs");
    const r = await call("/v1/assets", { method: "POST", token: admin, json: valid });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ symbol: "ACME", exchange: "NYSE", currency: "USD", market_cap: null });
    expect(await rowCount("jobs")).toBe(jobsBefore + 1);
    const dup = await call("/v1/assets", { method: "POST", token: admin, json: valid });
    expect(dup.status).toBe(409);
    expect(dup.problem.code).toBe("conflict");
  });

  it("is forbidden to users", async () => {
    const r = await call("/v1/assets", { method: "POST", token: user, json: { ...valid, symbol: "USERX" } });
    expect(r.status).toBe(403);
    expect(r.problem.code).toBe("forbidden");
  });

  it.each([
    ["malformed JSON", '{"symbol":', 400],
    ["wrong types", JSON.stringify({ ...valid, symbol: 42 }), 400],
    ["unknown field", JSON.stringify({ ...valid, symbol: "ZZZ1", is_admin: true }), 400],
    ["out of range", JSON.stringify({ ...valid, symbol: "ZZZ2", listed_at: "2024-02-30" }), 400],
    ["SQL-ish symbol", JSON.stringify({ ...valid, symbol: "A'; DROP TABLE assets;--" }), 400],
    ["empty body object", "{}", 400],
  ])("refuses %s with validation_failed and writes nothing", async (_name, body, status) => {
    const before = await rowCount("assets");
    const r = await call("/v1/assets", {
      method: "POST",
      token: admin,
      body,
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(status);
    expect(r.problem.code).toBe("validation_failed");
    expect(await rowCount("assets")).toBe(before);
  });

  it("patches fields and refuses an empty or unknown patch", async () => {
    const r = await call("/v1/assets/T003", {
      method: "PATCH",
      token: admin,
      json: { sector: "Utilities", delisted_at: "2025-01-02" },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ sector: "Utilities", delisted_at: "2025-01-02" });
    expect((await call("/v1/assets/T003", { method: "PATCH", token: admin, json: {} })).status).toBe(400);
    expect((await call("/v1/assets/T003", { method: "PATCH", token: admin, json: { symbol: "X" } })).status).toBe(400);
    expect((await call("/v1/assets/NOPE", { method: "PATCH", token: admin, json: { name: "x" } })).status).toBe(404);
  });

  it("soft-deletes: the asset disappears, its price history stays", async () => {
    const bars = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM prices p JOIN assets a ON a.id = p.asset_id WHERE a.symbol = 'T002'",
    ).first<{ n: number }>();
    expect(bars?.n).toBe(5);
    // a cached price page must not outlive the asset
    const cachedPage = await call("/v1/assets/T002/prices", { token: user });
    expect(cachedPage.status).toBe(200);
    expect((await call("/v1/assets/T002/prices", { token: user })).body).toEqual(cachedPage.body);
    const r = await call("/v1/assets/T002", { method: "DELETE", token: admin });
    expect(r.status).toBe(204);
    expect((await call("/v1/assets/T002", { token: user })).status).toBe(404);
    const gone = await call("/v1/assets/T002/prices", { token: user });
    expect(gone.status).toBe(404);
    expect(gone.problem.code).toBe("not_found");
    const after = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM prices p JOIN assets a ON a.id = p.asset_id WHERE a.symbol = 'T002' AND a.deleted_at IS NOT NULL",
    ).first<{ n: number }>();
    expect(after?.n).toBe(5);
    expect((await call("/v1/assets/T002", { method: "DELETE", token: admin })).status).toBe(404);
  });
});
