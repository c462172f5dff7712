// upsertBars against real D1 with the real migrations: a changed day becomes a new revision and its old row is
// superseded at the new instant, nothing is deleted, reruns change nothing, and all of it holds for calls that
// span several batch() transactions, for assets interleaved in one call, and for several calls at one instant.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ROWS_PER_STATEMENT, STATEMENTS_PER_BATCH } from "../../src/db/batching";
import { type BarRow, readRevisions, upsertBars } from "../../src/db/prices";
import { weekdays } from "../helpers/dates";
import { insertAssets } from "../helpers/market";

const T1 = "2024-01-01T00:00:00.000Z";
const T2 = "2024-01-02T00:00:00.000Z";
const T3 = "2024-01-03T00:00:00.000Z";

const bar = (assetId: number, date: string, close: number): BarRow => ({
  assetId,
  date,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: 1000,
});

interface Stored {
  date: string;
  close: number;
  recorded_at: string;
  superseded_at: string | null;
}

async function stored(assetIds: number[]): Promise<Stored[]> {
  const { results } = await env.DB.prepare(
    `SELECT date, close, recorded_at, superseded_at FROM prices
     WHERE asset_id IN (SELECT value FROM json_each(?1)) ORDER BY asset_id, date, recorded_at`,
  )
    .bind(JSON.stringify(assetIds))
    .all<Stored>();
  return results;
}

async function assetIds(symbols: string[]): Promise<number[]> {
  const ids = await insertAssets(symbols.map((symbol) => ({ symbol, name: symbol })));
  return symbols.map((s) => ids.get(s) as number);
}

describe("upsertBars", () => {
  it("records every changed day as a revision across several batches, with assets interleaved, and reruns change nothing", async () => {
    const ids = await assetIds(["UPA", "UPB", "UPC"]);
    // More rows than one batch() holds, ordered by date so the three assets interleave inside every statement.
    const days = weekdays("1990-01-01", Math.ceil((ROWS_PER_STATEMENT * STATEMENTS_PER_BATCH * 1.5) / ids.length));
    const first: BarRow[] = [];
    days.forEach((date, d) => {
      for (const [k, id] of ids.entries()) first.push(bar(id, date, 100 + d + k / 10));
    });
    expect(first.length).toBeGreaterThan(ROWS_PER_STATEMENT * STATEMENTS_PER_BATCH);
    expect(await upsertBars(env.DB, first, "test", T1)).toEqual({
      rows_inserted: first.length,
      rows_revised: 0,
      rows_unchanged: 0,
    });

    // Every 997th row gets a new close: some in the first batch, some in the last.
    const edited = new Set(first.map((_, i) => i).filter((i) => i % 997 === 0));
    const second = first.map((r, i) => (edited.has(i) ? { ...r, close: r.close + 0.5 } : r));
    expect(await upsertBars(env.DB, second, "test", T2)).toEqual({
      rows_inserted: 0,
      rows_revised: edited.size,
      rows_unchanged: first.length - edited.size,
    });
    // The same bars again, later: nothing written.
    expect(await upsertBars(env.DB, second, "test", T3)).toEqual({
      rows_inserted: 0,
      rows_revised: 0,
      rows_unchanged: first.length,
    });

    const rows = await stored(ids);
    expect(rows.length).toBe(first.length + edited.size); // nothing deleted
    const current = rows.filter((r) => r.superseded_at === null);
    expect(current.length).toBe(first.length); // one current row per day
    const superseded = rows.filter((r) => r.superseded_at !== null);
    expect(superseded.length).toBe(edited.size);
    for (const r of superseded) expect([r.recorded_at, r.superseded_at]).toEqual([T1, T2]);

    const last = Math.max(...edited);
    for (const i of [0, last]) {
      const r = first[i] as BarRow;
      const history = await readRevisions(env.DB, r.assetId, r.date);
      expect(history.map((h) => [h.close, h.recorded_at, h.superseded_at])).toEqual([
        [r.close, T1, T2],
        [r.close + 0.5, T2, null],
      ]);
    }
  });

  it("chains revisions of one day and keeps each old one", async () => {
    const [id] = (await assetIds(["UPD"])) as [number];
    await upsertBars(env.DB, [bar(id, "2024-05-01", 10)], "test", T1);
    expect((await upsertBars(env.DB, [bar(id, "2024-05-01", 11)], "test", T2)).rows_revised).toBe(1);
    expect((await upsertBars(env.DB, [bar(id, "2024-05-01", 12)], "test", T3)).rows_revised).toBe(1);
    expect((await stored([id])).map((r) => [r.close, r.recorded_at, r.superseded_at])).toEqual([
      [10, T1, T2],
      [11, T2, T3],
      [12, T3, null],
    ]);
  });

  it("never makes a second current row from a write at or before the current row's instant", async () => {
    const [id] = (await assetIds(["UPE"])) as [number];
    await upsertBars(env.DB, [bar(id, "2024-05-01", 10)], "test", T2);
    const unchanged = { rows_inserted: 0, rows_revised: 0, rows_unchanged: 1 };
    // a late write recorded earlier, and a second write at the same instant, with other values
    expect(await upsertBars(env.DB, [bar(id, "2024-05-01", 20)], "test", T1)).toEqual(unchanged);
    expect(await upsertBars(env.DB, [bar(id, "2024-05-01", 30)], "test", T2)).toEqual(unchanged);
    expect((await stored([id])).map((r) => [r.close, r.recorded_at, r.superseded_at])).toEqual([[10, T2, null]]);
  });

  it("keeps each call's revisions apart when several calls share one instant (one refresh run)", async () => {
    const [x, y] = (await assetIds(["UPF", "UPG"])) as [number, number];
    const dates = weekdays("2024-06-03", 5);
    await upsertBars(env.DB, [...dates.map((d) => bar(x, d, 10)), ...dates.map((d) => bar(y, d, 20))], "test", T1);
    // First call at T2 revises one day of x; the second, also at T2, offers five days of y with one changed, so
    // the rows it looks back over include the first call's new row.
    expect(await upsertBars(env.DB, [bar(x, dates[0] as string, 11)], "test", T2)).toEqual({
      rows_inserted: 0,
      rows_revised: 1,
      rows_unchanged: 0,
    });
    const ys = dates.map((d, i) => bar(y, d, i === 4 ? 21 : 20));
    expect(await upsertBars(env.DB, ys, "test", T2)).toEqual({ rows_inserted: 0, rows_revised: 1, rows_unchanged: 4 });
    const rows = await stored([x, y]);
    expect(rows.filter((r) => r.superseded_at !== null).map((r) => [r.date, r.close, r.superseded_at])).toEqual([
      [dates[0], 10, T2],
      [dates[4], 20, T2],
    ]);
    expect(rows.filter((r) => r.superseded_at === null).length).toBe(10);
  });

  it("lets the last of a repeated (asset, date) in one call win, in any order of rows", async () => {
    const [id, other, third] = (await assetIds(["UPH", "UPI", "UPJ"])) as [number, number, number];
    expect(await upsertBars(env.DB, [bar(id, "2024-05-01", 10), bar(id, "2024-05-01", 15)], "test", T1)).toEqual({
      rows_inserted: 1,
      rows_revised: 0,
      rows_unchanged: 0,
    });
    expect((await stored([id])).map((r) => r.close)).toEqual([15]);
    // the repeat comes back after another asset's bars; and a descending series with no repeat
    const rows = [
      bar(other, "2024-05-01", 1),
      bar(other, "2024-05-02", 2),
      bar(id, "2024-05-02", 20),
      bar(other, "2024-05-01", 3),
      bar(third, "2024-05-03", 7),
      bar(third, "2024-05-02", 6),
      bar(third, "2024-05-01", 5),
    ];
    expect(await upsertBars(env.DB, rows, "test", T2)).toEqual({
      rows_inserted: 6,
      rows_revised: 0,
      rows_unchanged: 0,
    });
    expect((await stored([other, third])).map((r) => [r.date, r.close])).toEqual([
      ["2024-05-01", 3],
      ["2024-05-02", 2],
      ["2024-05-01", 5],
      ["2024-05-02", 6],
      ["2024-05-03", 7],
    ]);
  });
});
