// readCalendar against real D1 with the real migrations: the union of the assets' bar dates in the window, current
// or as visible at an instant, over several 50-asset queries. Expected dates are built here from what was inserted.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readCalendar } from "../../src/db/prices";
import { weekdays } from "../helpers/dates";
import { insertAssets } from "../helpers/market";

const RECORDED = "2024-01-01T00:00:00.000Z";
const REVISED = "2024-06-01T00:00:00.000Z";
const BETWEEN = "2024-03-01T00:00:00.000Z";

/** Bars of one asset on `dates`, recorded at RECORDED (superseded at `supersededAt` when given). */
async function bars(assetId: number, dates: string[], supersededAt: string | null = null) {
  await env.DB.prepare(
    `INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at, superseded_at)
     SELECT ?1, value, 10, 11, 9, 10, 1000, 'test', ?2, ?3 FROM json_each(?4)`,
  )
    .bind(assetId, RECORDED, supersededAt, JSON.stringify(dates))
    .run();
}

describe("readCalendar", () => {
  it("is the union of every asset's dates in the window, across several 50-asset queries, current or as of an instant", async () => {
    const symbols = Array.from({ length: 120 }, (_, i) => `CAL${i}`);
    const ids = await insertAssets(symbols.map((symbol) => ({ symbol, name: symbol })));
    const days = weekdays("2024-01-01", 40);
    const expectedCurrent = new Set<string>();
    for (const [i, symbol] of symbols.entries()) {
      // Listed on different days, some stopping early: most assets share their date list, some do not.
      const own = days.slice(i % 7, i % 11 === 0 ? 25 : 40);
      if (i === 101) own.push("2024-01-06"); // a Saturday only this asset (on the third query) traded
      own.sort();
      await bars(ids.get(symbol) as number, own);
      for (const d of own) expectedCurrent.add(d);
    }
    // A bar later withdrawn (superseded, nothing current replaces it): visible before the revision only.
    await bars(ids.get("CAL3") as number, ["2024-01-13"], REVISED);

    const all = symbols.map((s) => ids.get(s) as number);
    const start = days[2] as string;
    const end = days[37] as string;
    const inWindow = (d: string) => d >= start && d <= end;
    const current = [...expectedCurrent].filter(inWindow).sort();
    expect(current).toContain("2024-01-06");

    expect(await readCalendar(env.DB, all, start, end)).toEqual(current);
    expect(await readCalendar(env.DB, all, start, end, BETWEEN)).toEqual([...current, "2024-01-13"].sort());
    expect(await readCalendar(env.DB, all, start, end, REVISED)).toEqual(current);
    // Before anything was recorded, nothing is visible.
    expect(await readCalendar(env.DB, all, start, end, "2023-12-31T00:00:00.000Z")).toEqual([]);
    // Only the asset with the Saturday: its own dates in the window.
    const only = await readCalendar(env.DB, [ids.get("CAL101") as number], start, end);
    expect(only).toEqual([...days.slice(101 % 7, 40), "2024-01-06"].filter(inWindow).sort());
    expect(await readCalendar(env.DB, [], start, end)).toEqual([]);
  });
});
