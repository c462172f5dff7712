// One test per convention the vendor documents (test/fixtures/twelvedata/README.md), run against a model of the vendor.
import { describe, expect, it } from "vitest";
import { TwelveDataProvider } from "../../src/providers/twelvedata";
import marketCapOk from "../fixtures/twelvedata/market_cap_ok.json";
import splitsOk from "../fixtures/twelvedata/splits_ok.json";
import { API_KEY, fakeTwelveData, json } from "./fake-twelvedata";
import { twelveDataVendor, type VendorBar, type VendorSymbol, vendorBars } from "./twelvedata-vendor";

const NOW = Date.parse("2021-09-01T22:00:00Z");

function client(symbols: Record<string, VendorSymbol>, now = NOW) {
  const vendor = twelveDataVendor({ apiKey: API_KEY, plan: "ultra", symbols, now: () => now, creditsPerMinute: 1e6 });
  const td = new TwelveDataProvider({
    apiKey: API_KEY,
    baseUrl: "https://td.test",
    fetch: vendor.fetch,
    now: () => now,
  });
  return { td, vendor };
}

/** Apple around its 4-for-1 split of 2020-08-31, as traded (published raw closes of those sessions). */
const AAPL_RAW: VendorBar[] = [
  { date: "2020-08-27", open: 508.57, high: 509.94, low: 495.33, close: 500.04, volume: 38_888_100 },
  { date: "2020-08-28", open: 504.05, high: 505.77, low: 498.31, close: 499.23, volume: 46_907_500 },
  { date: "2020-08-31", open: 127.58, high: 131.0, low: 126.0, close: 129.04, volume: 225_702_700 },
  { date: "2020-09-01", open: 132.76, high: 134.8, low: 130.53, close: 134.18, volume: 151_948_100 },
];
const AAPL: VendorSymbol = {
  bars: AAPL_RAW,
  splits: [
    { date: "2014-06-09", from_factor: 7, to_factor: 1 },
    { date: "2020-08-31", from_factor: 4, to_factor: 1 },
  ],
  // Paid per share held on the day: $0.82 before the split, $0.205 after it (Apple's own history).
  dividends: [
    { ex_date: "2020-05-08", amount: 0.82 },
    { ex_date: "2020-08-07", amount: 0.82 },
    { ex_date: "2020-11-06", amount: 0.205 },
    { ex_date: "2021-02-05", amount: 0.205 },
  ],
};

describe("Twelve Data conventions", () => {
  it("asks for unadjusted bars (adjust=none): /time_series splits-adjusts by default", async () => {
    const { td, vendor } = client({ AAPL });
    const bars = (await td.dailyBars(["AAPL"], "2020-08-27", "2020-09-01")).get("AAPL");
    // Raw closes: the pre-split sessions trade near $500, not the $125 the vendor's default would give.
    expect(bars?.ok && bars.value.map((b) => [b.date, b.close, b.volume])).toEqual([
      ["2020-08-27", 500.04, 38_888_100],
      ["2020-08-28", 499.23, 46_907_500],
      ["2020-08-31", 129.04, 225_702_700],
      ["2020-09-01", 134.18, 151_948_100],
    ]);
    expect(vendor.requests[0]?.params.adjust).toBe("none");
  });

  it("reads a split as from_factor / to_factor new shares per old share (the vendor's AAPL example)", async () => {
    const server = fakeTwelveData({ "/splits": () => json(splitsOk) });
    const own = new TwelveDataProvider({
      apiKey: API_KEY,
      baseUrl: "https://td.test",
      fetch: server.fetch,
      now: () => NOW,
    });
    // 4-for-1 on 2020-08-31 and 7-for-1 on 2014-06-09: 4 and 7 new shares for each old one.
    expect(await own.splits("AAPL", "2010-01-01", "2021-01-01")).toEqual([
      { date: "2014-06-09", ratio: 7 },
      { date: "2020-08-31", ratio: 4 },
    ]);
  });

  it("asks for every split in the range (range defaults to last, which answers one)", async () => {
    const { td, vendor } = client({ AAPL });
    expect(await td.splits("AAPL", "2000-01-01", "2021-09-01")).toEqual([
      { date: "2014-06-09", ratio: 7 },
      { date: "2020-08-31", ratio: 4 },
    ]);
    expect(vendor.requests[0]?.params.range).toBeDefined();
  });

  it("asks for dividends as paid (adjust=false) over the whole range (range defaults to last)", async () => {
    const { td, vendor } = client({ AAPL });
    expect(await td.dividends("AAPL", "2020-01-01", "2021-09-01")).toEqual([
      { ex_date: "2020-05-08", amount: 0.82 },
      { ex_date: "2020-08-07", amount: 0.82 },
      { ex_date: "2020-11-06", amount: 0.205 },
      { ex_date: "2021-02-05", amount: 0.205 },
    ]);
    expect(vendor.requests[0]?.params.adjust).toBe("false");
    // Only the asked dates: the vendor's range answers more, the client keeps [start, end].
    expect((await td.dividends("AAPL", "2020-06-01", "2020-12-31")).map((d) => d.ex_date)).toEqual([
      "2020-08-07",
      "2020-11-06",
    ]);
  });

  it("sizes history windows by the asset's calendar: a crypto pair trades every day", async () => {
    // 7,000 consecutive days of BTC/USD: a 6,500-day window would hold 6,500 bars and be cut to the newest 5,000.
    const dates = Array.from({ length: 7000 }, (_, i) =>
      new Date(Date.UTC(2002, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
    );
    const { td } = client({ "BTC/USD": { bars: vendorBars(dates, 300) } }, Date.parse("2021-12-31T00:00:00Z"));
    const got = (
      await td.dailyBars(["BTC/USD"], dates[0] as string, dates.at(-1) as string, { calendar: "continuous" })
    ).get("BTC/USD");
    expect(got?.ok && got.value.length).toBe(7000);
    expect(got?.ok && got.value[0]?.date).toBe(dates[0]);
  });

  it("reads bars sent newest first (the default order) back ascending, numbers sent as strings", async () => {
    const dates = ["2024-01-02", "2024-01-03", "2024-01-04"];
    const vendor = twelveDataVendor({
      apiKey: API_KEY,
      symbols: { AAPL: { bars: vendorBars(dates) } },
      now: () => NOW,
    });
    // The vendor's default order, whatever the client asked for.
    const newestFirst: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      url.searchParams.delete("order");
      return vendor.fetch(url.toString(), init);
    };
    const td = new TwelveDataProvider({
      apiKey: API_KEY,
      baseUrl: "https://td.test",
      fetch: newestFirst,
      now: () => NOW,
    });
    const bars = (await td.dailyBars(["AAPL"], "2024-01-02", "2024-01-04")).get("AAPL");
    expect(bars?.ok && bars.value.map((b) => b.date)).toEqual(dates);
    expect(bars?.ok && typeof bars.value[0]?.close).toBe("number");
  });

  it("charges one credit per symbol of a batch, and keeps the good entries when one is an error", async () => {
    const dates = ["2024-01-02", "2024-01-03"];
    const { td, vendor } = client({ AAPL: { bars: vendorBars(dates) }, MSFT: { bars: vendorBars(dates, 300) } });
    const result = await td.dailyBars(["AAPL", "MSFT", "NOPE"], "2024-01-02", "2024-01-03");
    expect(vendor.requests).toHaveLength(1);
    expect(vendor.credits()).toBe(3);
    expect(result.get("AAPL")?.ok).toBe(true);
    expect(result.get("MSFT")?.ok).toBe(true);
    expect(result.get("NOPE")).toMatchObject({ ok: false });
  });

  it("reads /market_cap history sent newest first as { date, value }, ascending, and pages by page/outputsize", async () => {
    const server = fakeTwelveData({ "/market_cap": () => json(marketCapOk) });
    const td = new TwelveDataProvider({
      apiKey: API_KEY,
      baseUrl: "https://td.test",
      fetch: server.fetch,
      now: () => NOW,
    });
    expect(await td.marketCaps("AAPL", "2025-07-01", "2025-07-31")).toEqual([
      { date: "2025-07-10", market_cap: 3172513237217 },
      { date: "2025-07-11", market_cap: 3153843487457 },
      { date: "2025-07-14", market_cap: 3115906555944 },
    ]);
    // Fewer rows than a page: no second request.
    expect(server.seen.map((r) => r.url.searchParams.get("page"))).toEqual(["1"]);
  });
});
