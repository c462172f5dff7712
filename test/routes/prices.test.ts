// /v1/assets/{symbol}/prices and /v1/quotes through the real app and real D1.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { upsertBars } from "../../src/db/prices";
import type { BarList } from "../../src/schemas/market";
import type { CallResult } from "../helpers/http";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, insertQuote, weekdays } from "../helpers/market";

let token: string;
let ids: Map<string, number>;
const DATES = weekdays("2024-01-01", 30);

beforeAll(async () => {
  token = (await userToken()).token;
  ids = await insertAssets([
    { symbol: "AAA", name: "Triple A" },
    { symbol: "BBB", name: "Triple B" },
  ]);
  await insertBars(ids.get("AAA")!, DATES, (i) => 100 + i);
  await insertQuote(ids.get("AAA")!, 131, 129, "2024-02-12T15:00:00.000Z");
});

describe("GET /v1/assets/{symbol}/prices", () => {
  it("returns bars ascending with adj_close, and walks every bar once through cursors", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: CallResult<z.infer<typeof BarList>> = await call(
        `/v1/assets/AAA/prices?limit=7${cursor ? `&cursor=${cursor}` : ""}`,
        { token },
      );
      expect(r.status).toBe(200);
      seen.push(...r.body.data.map((b: { date: string }) => b.date));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(DATES);
    const first = await call("/v1/assets/AAA/prices?limit=1", { token });
    expect(first.body.data[0]).toEqual({
      date: DATES[0],
      open: 100,
      high: 101,
      low: 99,
      close: 100,
      adj_close: 100,
      volume: 1000,
    });
  });

  it("filters by start/end and orders descending", async () => {
    const r = await call(`/v1/assets/AAA/prices?start=${DATES[3]}&end=${DATES[5]}&order=desc`, { token });
    expect(r.body.data.map((b: { date: string }) => b.date)).toEqual([DATES[5], DATES[4], DATES[3]]);
    expect(r.body.next_cursor).toBeNull();
  });

  it("derives adj_close from the adjustment-factor table without touching raw bars", async () => {
    // a 2-for-1 split on DATES[10]: bars before it are halved in adj_close only
    await env.DB.prepare(
      "INSERT INTO adjustment_factors (asset_id, from_date, to_date, factor) VALUES (?, '1900-01-01', ?, 0.5)",
    )
      .bind(ids.get("AAA"), DATES[10])
      .run();
    const r = await call(`/v1/assets/AAA/prices?start=${DATES[9]}&end=${DATES[10]}`, { token });
    expect(r.body.data.map((b: { close: number; adj_close: number }) => [b.close, b.adj_close])).toEqual([
      [109, 54.5],
      [110, 110],
    ]);
    await env.DB.prepare("DELETE FROM adjustment_factors").run();
  });

  it("rescales without a binary floating-point tail: 1,137.13 after a 10:1 split reads 113.713", async () => {
    const asset = (await insertAssets([{ symbol: "TAIL", name: "Tail" }])).get("TAIL")!;
    await upsertBars(
      env.DB,
      [{ assetId: asset, date: "2023-06-01", open: 1137.13, high: 1137.13, low: 1137.13, close: 1137.13, volume: 7 }],
      "test",
      "2023-06-01T22:00:00.000Z",
    );
    await env.DB.prepare(
      "INSERT INTO adjustment_factors (asset_id, from_date, to_date, factor, split_factor) VALUES (?, '1900-01-01', '2023-06-02', 0.1, 0.1)",
    )
      .bind(asset)
      .run();
    const r = await call("/v1/assets/TAIL/prices?start=2023-06-01&end=2023-06-01&adjustment=split", { token });
    expect(r.body.data[0]).toMatchObject({ close: 113.713, open: 113.713, adj_close: 113.713, volume: 70 });
    await env.DB.prepare("DELETE FROM adjustment_factors").run();
  });

  it("answers as_of with the values known at that instant, and the latest revision by default", async () => {
    const asset = ids.get("BBB")!;
    const day = { assetId: asset, date: "2024-03-01", open: 10, high: 11, low: 9, close: 10, volume: 5 };
    expect(await upsertBars(env.DB, [day], "test", "2024-03-01T22:00:00.000Z")).toEqual({
      rows_inserted: 1,
      rows_revised: 0,
      rows_unchanged: 0,
    });
    // the same value again changes nothing
    expect(await upsertBars(env.DB, [day], "test", "2024-03-02T22:00:00.000Z")).toEqual({
      rows_inserted: 0,
      rows_revised: 0,
      rows_unchanged: 1,
    });
    // a corrected close becomes a new revision
    expect(await upsertBars(env.DB, [{ ...day, close: 10.5 }], "test", "2024-03-03T22:00:00.000Z")).toEqual({
      rows_inserted: 0,
      rows_revised: 1,
      rows_unchanged: 0,
    });
    const now = await call("/v1/assets/BBB/prices", { token });
    expect(now.body.data.map((b: { close: number }) => b.close)).toEqual([10.5]);
    const then = await call("/v1/assets/BBB/prices?as_of=2024-03-02T00:00:00Z", { token });
    expect(then.body.data.map((b: { close: number }) => b.close)).toEqual([10]);
    const before = await call("/v1/assets/BBB/prices?as_of=2024-03-01T00:00:00Z", { token });
    expect(before.body.data).toEqual([]);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM prices WHERE asset_id = ?")
      .bind(asset)
      .first<{ n: number }>();
    expect(rows?.n).toBe(2);
  });

  it.each([
    "start=2024-13-01",
    "end=yesterday",
    "start=2024-02-01&end=2024-01-01",
    "order=sideways",
    "limit=1001",
    "limit=-5",
    "as_of=2024-03-01",
    "bogus=1",
  ])("refuses ?%s with 400 validation_failed", async (qs) => {
    const r = await call(`/v1/assets/AAA/prices?${qs}`, { token });
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("validation_failed");
  });

  it("404s an unknown asset and refuses a cursor from another asset", async () => {
    expect((await call("/v1/assets/ZZZ/prices", { token })).status).toBe(404);
    const page = await call("/v1/assets/AAA/prices?limit=2", { token });
    const foreign = await call(`/v1/assets/BBB/prices?limit=2&cursor=${page.body.next_cursor}`, { token });
    expect(foreign.status).toBe(400);
    expect(foreign.problem.code).toBe("invalid_cursor");
  });

  it("answers a repeated read from the KV cache and trims with ?fields", async () => {
    await call("/v1/assets/AAA/prices?limit=3", { token });
    const r = await call("/v1/assets/AAA/prices?limit=3&fields=date,close", { token });
    expect(r.body.data[0]).toEqual({ date: DATES[0], close: 100 });
    expect(r.body.next_cursor).toBeTruthy();
  });
});

describe("GET /v1/quotes", () => {
  it("returns quotes with change and lists unknown symbols under missing", async () => {
    const r = await call("/v1/quotes?symbols=AAA,bbb,NOPE", { token });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual([
      {
        symbol: "AAA",
        price: 131,
        change: 2,
        change_pct: expect.closeTo((2 / 129) * 100, 4),
        ts: "2024-02-12T15:00:00.000Z",
        source: "test",
      },
    ]);
    expect(r.body.missing).toEqual(["BBB", "NOPE"]);
  });

  it.each([
    ["no symbols", ""],
    ["empty list", "symbols=,,"],
    ["too many", `symbols=${Array.from({ length: 101 }, (_, i) => `S${i}`).join(",")}`],
    ["hostile symbol", `symbols=${encodeURIComponent("AAA,' OR 1=1")}`],
    ["unknown param", "symbols=AAA&x=1"],
  ])("refuses %s with 400 validation_failed", async (_name, qs) => {
    const r = await call(`/v1/quotes?${qs}`, { token });
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("validation_failed");
  });
});
