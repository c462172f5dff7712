import { describe, expect, it } from "vitest";
import { isTradingDay, tradingDays } from "../../src/domain/calendar";
import { SYNTHETIC_ORIGIN, SYNTHETIC_UNIVERSE, SyntheticProvider } from "../../src/providers/synthetic";
import type { Bar } from "../../src/providers/types";

// Sunday 22 Nov 2026, evening: the last published session is Friday 20 Nov.
const NOW = Date.parse("2026-11-22T20:00:00Z");

const provider = (seed = 42, now = NOW, tickMs = 1000) => new SyntheticProvider({ seed, tickMs, now: () => now });

async function bars(p: SyntheticProvider, symbol: string, start: string, end: string): Promise<Bar[]> {
  const r = (await p.dailyBars([symbol], start, end)).get(symbol);
  if (!r?.ok) throw new Error(`no bars for ${symbol}`);
  return r.value;
}

describe("synthetic universe", () => {
  it("has at least 60 unique assets across sectors, with SPY as an ETF and the big names", () => {
    const symbols = SYNTHETIC_UNIVERSE.map((a) => a.symbol);
    expect(symbols.length).toBeGreaterThanOrEqual(60);
    expect(new Set(symbols).size).toBe(symbols.length);
    for (const s of ["SPY", "IVV", "VOO", "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META"])
      expect(symbols).toContain(s);
    expect(SYNTHETIC_UNIVERSE.find((a) => a.symbol === "SPY")?.asset_class).toBe("etf");
    expect(new Set(SYNTHETIC_UNIVERSE.map((a) => a.sector).filter(Boolean)).size).toBeGreaterThanOrEqual(10);
    for (const a of SYNTHETIC_UNIVERSE) {
      expect(a.annual_volatility).toBeGreaterThan(0);
      expect(a.shares_outstanding).toBeGreaterThan(0);
      expect(a.start_price).toBeGreaterThan(0);
      expect(a.currency).toBe("USD");
    }
  });

  it("reads every row of the universe's data file with the type of each column", () => {
    const iso = /^\d{4}-\d{2}-\d{2}$/;
    for (const a of SYNTHETIC_UNIVERSE) {
      for (const text of [a.symbol, a.name, a.exchange]) expect(typeof text, a.symbol).toBe("string");
      expect(a.sector === null || typeof a.sector === "string", a.symbol).toBe(true);
      for (const n of [a.annual_drift, a.dividend_yield, a.market_correlation])
        expect(Number.isFinite(n), a.symbol).toBe(true);
      expect(a.listed_at, a.symbol).toMatch(iso);
      for (const s of a.splits) {
        expect(s.date, a.symbol).toMatch(iso);
        expect(s.ratio, a.symbol).toBeGreaterThan(0);
      }
    }
    const split = SYNTHETIC_UNIVERSE.filter((a) => a.splits.length > 0).map((a) => a.symbol);
    expect(split.sort()).toEqual(["AAPL", "AMZN", "AVGO", "GE", "GOOGL", "NEE", "NFLX", "NVDA", "TSLA", "WMT"]);
  });

  it("includes an asset listed within the last two years, and it has no bars before listing", async () => {
    const late = SYNTHETIC_UNIVERSE.filter((a) => a.listed_at && a.listed_at >= "2024-11-22");
    expect(late.length).toBeGreaterThan(0);
    const crwv = await bars(provider(), "CRWV", "2024-01-01", "2025-12-31");
    expect(crwv[0]?.date).toBe("2025-03-28");
  });
});

describe("synthetic daily bars", () => {
  it("gives the same bar for the same (seed, symbol, date) whatever range is asked", async () => {
    const wide = await bars(provider(), "MSFT", "2022-01-01", "2025-12-31");
    const narrow = await bars(provider(), "MSFT", "2024-03-01", "2024-03-31");
    const fresh = await bars(new SyntheticProvider({ seed: 42, now: () => NOW }), "MSFT", "2024-03-01", "2024-03-31");
    expect(narrow.length).toBeGreaterThan(15);
    expect(wide.filter((b) => b.date >= "2024-03-01" && b.date <= "2024-03-31")).toEqual(narrow);
    expect(fresh).toEqual(narrow);
  });

  it("asked narrow first, then wide, still agrees (the cache extends, never re-rolls)", async () => {
    const p = provider(991);
    const first = await bars(p, "KO", "2020-06-01", "2020-06-30");
    const later = await bars(p, "KO", "2019-01-01", "2026-01-01");
    expect(later.filter((b) => b.date >= "2020-06-01" && b.date <= "2020-06-30")).toEqual(first);
  });

  it("differs by seed", async () => {
    const a = await bars(provider(1), "AAPL", "2024-01-01", "2024-01-31");
    const b = await bars(provider(2), "AAPL", "2024-01-01", "2024-01-31");
    expect(a.map((x) => x.close)).not.toEqual(b.map((x) => x.close));
  });

  it("keeps every bar consistent: low ≤ open, close ≤ high; positive prices; positive whole volume", async () => {
    const result = await provider().dailyBars(
      SYNTHETIC_UNIVERSE.map((a) => a.symbol),
      "2023-01-01",
      "2026-11-20",
    );
    for (const [symbol, r] of result) {
      expect(r.ok, symbol).toBe(true);
      if (!r.ok) continue;
      for (const b of r.value) {
        const ok =
          b.low > 0 &&
          b.low <= Math.min(b.open, b.close) &&
          b.high >= Math.max(b.open, b.close) &&
          Number.isInteger(b.volume) &&
          b.volume > 0;
        if (!ok) throw new Error(`${symbol} ${JSON.stringify(b)}`);
      }
    }
  });

  it("prints on trading days only: no weekends, no market holidays, none missing", async () => {
    const got = (await bars(provider(), "SPY", "2024-01-01", "2024-12-31")).map((b) => b.date);
    expect(got).toEqual(tradingDays("2024-01-01", "2024-12-31"));
    expect(got).toHaveLength(252);
    for (const holiday of ["2024-01-01", "2024-03-29", "2024-07-04", "2024-11-28", "2024-12-25"])
      expect(got).not.toContain(holiday);
    expect(got.every(isTradingDay)).toBe(true);
  });

  it("returns bars ascending and only up to the last session that has closed", async () => {
    const sunday = await bars(provider(), "SPY", "2026-11-01", "2026-12-31");
    expect(sunday.at(-1)?.date).toBe("2026-11-20");
    const fridayMorning = await bars(
      provider(42, Date.parse("2026-11-20T15:00:00Z")),
      "SPY",
      "2026-11-01",
      "2026-12-31",
    );
    expect(fridayMorning.at(-1)?.date).toBe("2026-11-19");
    const dates = sunday.map((b) => b.date);
    expect([...dates].sort()).toEqual(dates);
  });

  it("starts at the origin and is empty for a range before it", async () => {
    expect((await bars(provider(), "SPY", "2010-01-01", "2019-01-10"))[0]?.date).toBe(SYNTHETIC_ORIGIN);
    expect(await bars(provider(), "SPY", "2010-01-01", "2018-12-31")).toEqual([]);
  });

  it("reports unknown symbols per symbol without sinking the others", async () => {
    const result = await provider().dailyBars(["AAPL", "NOPE"], "2024-01-02", "2024-01-05");
    expect(result.get("AAPL")?.ok).toBe(true);
    expect(result.get("NOPE")).toMatchObject({ ok: false });
  });

  it("shows a split in raw prices: NVDA's 10-for-1 drops the price tenfold on the split day", async () => {
    const p = provider();
    const around = await bars(p, "NVDA", "2024-06-06", "2024-06-11");
    const before = around.find((b) => b.date === "2024-06-07")!;
    const on = around.find((b) => b.date === "2024-06-10")!;
    const drop = before.close / on.close;
    expect(drop).toBeGreaterThan(7);
    expect(drop).toBeLessThan(14);
    expect(on.volume).toBeGreaterThan(before.volume * 3); // ten times the shares trade
    expect(await p.splits("NVDA", "2024-01-01", "2024-12-31")).toEqual([{ date: "2024-06-10", ratio: 10 }]);
    expect(await p.splits("MSFT", "2019-01-01", "2026-11-20")).toEqual([]);
  });

  // No wall-clock threshold here (it fails on a loaded machine whatever the code does); bench/ measures speed.
  it("generates 60+ assets × 3.5 years in one call", async () => {
    const result = await provider(20_261_122).dailyBars(
      SYNTHETIC_UNIVERSE.map((a) => a.symbol),
      "2023-05-22",
      "2026-11-20",
    );
    let count = 0;
    for (const r of result.values()) if (r.ok) count += r.value.length;
    expect(count).toBeGreaterThan(55_000);
  });
});

describe("synthetic market caps and dividends", () => {
  it("values a company at its last close × its shares outstanding that day", async () => {
    const p = provider();
    const cap = await p.marketCap("AAPL");
    const last = (await bars(p, "AAPL", "2026-11-01", "2026-11-30")).at(-1)!;
    expect(cap?.date).toBe(last.date);
    expect(cap?.market_cap).toBe(Math.round(last.close * cap!.shares_outstanding!));
    expect(await p.marketCap("NOPE")).toBeNull();
  });

  it("keeps a daily cap history whose shares drift quarterly and multiply by each split", async () => {
    const p = provider();
    const caps = await p.marketCaps("NVDA", "2024-01-01", "2024-12-31");
    const closes = await bars(p, "NVDA", "2024-01-01", "2024-12-31");
    expect(caps.map((c) => c.date)).toEqual(closes.map((b) => b.date));
    for (const [i, c] of caps.entries())
      expect(c.market_cap).toBe(Math.round(closes[i]!.close * c.shares_outstanding!));
    const i = caps.findIndex((c) => c.date === "2024-06-10");
    // The split day multiplies the share count tenfold (plus at most a quarter's issuance).
    expect(caps[i]!.shares_outstanding! / caps[i - 1]!.shares_outstanding!).toBeCloseTo(10, 6);
    // Shares change only when a quarter starts, and then by a few tenths of a percent.
    for (let k = 1; k < caps.length; k++) {
      if (caps[k]!.date === "2024-06-10") continue;
      const change = caps[k]!.shares_outstanding! / caps[k - 1]!.shares_outstanding! - 1;
      const newQuarter =
        caps[k]!.date.slice(5, 7) !== caps[k - 1]!.date.slice(5, 7) &&
        ["01", "04", "07", "10"].includes(caps[k]!.date.slice(5, 7));
      if (newQuarter) expect(Math.abs(change)).toBeLessThan(0.03);
      else expect(Math.abs(change)).toBeLessThan(1e-9);
    }
  });

  it("drops the raw price by the dividend on its ex-date: the dividend-adjusted return is the walk's", async () => {
    const p = provider();
    const ko = await p.dividends("KO", "2024-01-01", "2025-12-31");
    const series = await bars(p, "KO", "2023-12-01", "2025-12-31");
    const ko_vol = SYNTHETIC_UNIVERSE.find((a) => a.symbol === "KO")!.annual_volatility / Math.sqrt(252);
    for (const d of ko) {
      const k = series.findIndex((b) => b.date === d.ex_date);
      const before = series[k - 1]!.close;
      const total = series[k]!.close / (before - d.amount) - 1;
      expect(Math.abs(total)).toBeLessThan(6 * ko_vol);
      expect(d.amount / before).toBeCloseTo(0.03 / 4, 3);
    }
  });

  it("pays quarterly dividends on trading days for payers, none for non-payers", async () => {
    const p = provider();
    const ko = await p.dividends("KO", "2025-01-01", "2025-12-31");
    expect(ko).toHaveLength(4);
    for (const d of ko) {
      expect(isTradingDay(d.ex_date)).toBe(true);
      expect(d.amount).toBeGreaterThan(0);
    }
    expect(await p.dividends("AMZN", "2025-01-01", "2025-12-31")).toEqual([]);
  });
});

describe("synthetic live quotes", () => {
  const tuesdayNoon = Date.parse("2026-11-17T17:00:00Z");

  it("is the same at the same instant, and moves as ticks pass", async () => {
    const at = async (ms: number) => (await provider(42, ms).quotes(["AAPL"])).get("AAPL");
    const a = await at(tuesdayNoon);
    expect(await at(tuesdayNoon)).toEqual(a);
    const prices = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const q = await at(tuesdayNoon + i * 1000);
      if (q?.ok) prices.add(q.value.price);
    }
    expect(prices.size).toBeGreaterThan(5);
  });

  it("trades near the previous close, stamped with now", async () => {
    const p = provider(42, tuesdayNoon);
    const q = (await p.quotes(["SPY"])).get("SPY");
    const monday = (await bars(provider(), "SPY", "2026-11-16", "2026-11-16"))[0]!;
    expect(q).toMatchObject({
      ok: true,
      value: { symbol: "SPY", previous_close: monday.close, ts: new Date(tuesdayNoon).toISOString() },
    });
    if (q?.ok) expect(Math.abs(Math.log(q.value.price / monday.close))).toBeLessThan(0.1);
  });

  it("at the close reaches the day's close (give or take the tick noise)", async () => {
    const afterClose = Date.parse("2026-11-17T21:30:00Z");
    const q = (await provider(42, afterClose).quotes(["MSFT"])).get("MSFT");
    const day = (await bars(provider(), "MSFT", "2026-11-17", "2026-11-17"))[0]!;
    if (!q?.ok) throw new Error("no quote");
    expect(Math.abs(q.value.price / day.close - 1)).toBeLessThan(0.02);
  });

  it("reports an unknown symbol per symbol", async () => {
    const result = await provider().quotes(["SPY", "NOPE"]);
    expect(result.get("SPY")?.ok).toBe(true);
    expect(result.get("NOPE")?.ok).toBe(false);
  });
});
