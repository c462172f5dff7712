import { describe, expect, it } from "vitest";
import { dateWindows } from "../../src/domain/calendar";
import { ResilientCaller } from "../../src/providers/resilience";
import { HISTORY_WINDOW_DAYS, TwelveDataProvider } from "../../src/providers/twelvedata";
import type { ProviderError } from "../../src/providers/types";
import { API_KEY, failure, fakeTwelveData, fixtures, hang, json, type Route, text } from "./fake-twelvedata";

const NOW = Date.parse("2024-01-05T12:00:20Z");

function provider(routes: Record<string, Route>, maxSymbolsPerCall = 8) {
  const server = fakeTwelveData(routes);
  const td = new TwelveDataProvider({
    apiKey: API_KEY,
    baseUrl: "https://td.test",
    fetch: server.fetch,
    now: () => NOW,
    maxSymbolsPerCall,
  });
  return { td, seen: server.seen };
}

describe("TwelveDataProvider: daily bars", () => {
  it("asks for daily bars with the key in a header, never in the URL, and returns them ascending as numbers", async () => {
    const { td, seen } = provider({ "/time_series": () => json(fixtures.seriesOk) });
    const result = await td.dailyBars(["AAPL"], "2024-01-02", "2024-01-04");
    expect(result.get("AAPL")).toEqual({
      ok: true,
      value: [
        { date: "2024-01-02", open: 187.14999, high: 188.44, low: 183.885, close: 185.64, volume: 82488700 },
        { date: "2024-01-03", open: 184.22, high: 185.88, low: 183.42999, close: 184.25, volume: 58414500 },
        { date: "2024-01-04", open: 182.14999, high: 183.08501, low: 180.88, close: 181.91, volume: 71983600 },
      ],
    });
    const req = seen[0]!;
    expect(req.url.pathname).toBe("/time_series");
    expect(Object.fromEntries(req.url.searchParams)).toEqual({
      symbol: "AAPL",
      interval: "1day",
      adjust: "none",
      start_date: "2024-01-02",
      end_date: "2024-01-05", // one past the inclusive end, filtered locally
      outputsize: "5000",
      order: "ASC",
    });
    expect(req.headers.get("Authorization")).toBe(`apikey ${API_KEY}`);
    expect(req.url.href).not.toContain(API_KEY);
  });

  it("cuts a range longer than the 5,000-bar cap into windows and stitches them, oldest first", async () => {
    // 1995-01-02 → 2024-12-31 is 10,957 days: windows of 6,500 days → 2 calls.
    expect(dateWindows("1995-01-02", "2024-12-31", HISTORY_WINDOW_DAYS)).toEqual([
      ["1995-01-02", "2012-10-18"], // 1995-01-02 + 6,499 days
      ["2012-10-19", "2024-12-31"],
    ]);
    expect(dateWindows("2024-01-02", "2024-01-02", 10)).toEqual([["2024-01-02", "2024-01-02"]]);
    expect(dateWindows("2024-01-01", "2024-01-20", 10)).toEqual([
      ["2024-01-01", "2024-01-10"],
      ["2024-01-11", "2024-01-20"],
    ]);
    // Every weekday fits under the cap: 6,500 calendar days hold at most 4,644 weekdays.
    expect(Math.ceil((HISTORY_WINDOW_DAYS * 5) / 7)).toBeLessThan(5000);

    const bar = (d: string, close: string) => ({
      datetime: d,
      open: close,
      high: close,
      low: close,
      close,
      volume: "10",
    });
    const { td, seen } = provider({
      "/time_series": (url) =>
        json({
          meta: {},
          status: "ok",
          // the vendor answers newest first; one bar at each end of the asked window
          values: [bar(url.searchParams.get("end_date")!, "2"), bar(url.searchParams.get("start_date")!, "1")].filter(
            (v) => v.datetime <= "2024-12-31",
          ),
        }),
    });
    const result = (await td.dailyBars(["AAPL"], "1995-01-02", "2024-12-31")).get("AAPL");
    expect(seen.map((r) => [r.url.searchParams.get("start_date"), r.url.searchParams.get("end_date")])).toEqual([
      ["1995-01-02", "2012-10-19"],
      ["2012-10-19", "2025-01-01"],
    ]);
    // end_date is sent exclusive and filtered locally, so the bar dated 2012-10-19 comes from the second window only.
    expect(result?.ok && result.value.map((b) => b.date)).toEqual(["1995-01-02", "2012-10-19"]);
  });

  it("drops duplicate dates and bars outside the asked range", async () => {
    const values = [
      { datetime: "2024-01-05", open: "1", high: "1", low: "1", close: "1", volume: "1" },
      { datetime: "2024-01-03", open: "2", high: "2", low: "2", close: "2", volume: "1" },
      { datetime: "2024-01-03", open: "3", high: "3", low: "3", close: "3", volume: "1" },
      { datetime: "2024-01-02", open: "4", high: "4", low: "4", close: "4", volume: "1" },
    ];
    const { td } = provider({ "/time_series": () => json({ meta: {}, values, status: "ok" }) });
    const bars = (await td.dailyBars(["AAPL"], "2024-01-02", "2024-01-04")).get("AAPL");
    expect(bars?.ok && bars.value.map((b) => [b.date, b.close])).toEqual([
      ["2024-01-02", 4],
      ["2024-01-03", 3],
    ]);
  });

  it("keeps the good symbols of a batch when one entry is an error", async () => {
    const { td, seen } = provider({ "/time_series": () => json(fixtures.seriesBatch) });
    const result = await td.dailyBars(["AAPL", "NOPE"], "2024-01-01", "2024-01-31");
    expect(seen[0]?.url.searchParams.get("symbol")).toBe("AAPL,NOPE");
    expect(result.get("AAPL")).toMatchObject({ ok: true, value: [{ date: "2024-01-02", close: 185.64 }] });
    const nope = result.get("NOPE");
    expect(nope?.ok).toBe(false);
    expect(!nope?.ok && nope?.error).toContain("symbol not found: NOPE");
  });

  it("splits a long symbol list into provider-sized batches", async () => {
    const answer: Route = (url) => {
      const symbols = url.searchParams.get("symbol")!.split(",");
      if (symbols.length === 1) return json(fixtures.seriesOk);
      return json(Object.fromEntries(symbols.map((s) => [s, fixtures.seriesOk])));
    };
    const { td, seen } = provider({ "/time_series": answer }, 2);
    const result = await td.dailyBars(["A", "B", "C"], "2024-01-01", "2024-01-31");
    expect(seen.map((r) => r.url.searchParams.get("symbol"))).toEqual(["A,B", "C"]);
    expect([...result.values()].every((r) => r.ok && r.value.length === 3)).toBe(true);
  });

  it("throws for a whole batch refused for credits, so the call is retried as one", async () => {
    const { td } = provider({ "/time_series": () => json({ AAPL: fixtures.error429, MSFT: fixtures.error429 }) });
    const err = await failure(td.dailyBars(["AAPL", "MSFT"], "2024-01-01", "2024-01-31"));
    expect(err.kind).toBe("rate_limited");
  });

  it("reads 'no data is available' as an empty range", async () => {
    const noData = {
      code: 400,
      message: "No data is available on the specified dates. Try setting different start/end dates.",
      status: "error",
    };
    const { td } = provider({ "/time_series": () => json(noData, 400) });
    expect((await td.dailyBars(["AAPL"], "2024-01-06", "2024-01-07")).get("AAPL")).toEqual({ ok: true, value: [] });
  });

  it.each([
    ["an empty string", ""],
    ["a word", "n/a"],
    ["a negative price", "-3"],
  ])("refuses a close that is %s", async (_label, close) => {
    const values = [{ datetime: "2024-01-02", open: "1", high: "1", low: "1", close, volume: "1" }];
    const { td } = provider({ "/time_series": () => json({ meta: {}, values, status: "ok" }) });
    expect((await failure(td.dailyBars(["AAPL"], "2024-01-01", "2024-01-31"))).kind).toBe("invalid_response");
  });
});

describe("TwelveDataProvider: vendor failures", () => {
  type Case = [label: string, route: Route, kind: ProviderError["kind"], retryable: boolean];
  const table: Case[] = [
    ["400 bad request", () => json(fixtures.error400, 400), "client", false],
    ["400 bad request with HTTP 200", () => json(fixtures.error400), "client", false],
    ["401 invalid key", () => json(fixtures.error401, 401), "client", false],
    ["401 invalid key with HTTP 200", () => json(fixtures.error401), "client", false],
    ["429 credits used up", () => json(fixtures.error429, 429), "rate_limited", true],
    ["429 credits used up with HTTP 200", () => json(fixtures.error429), "rate_limited", true],
    ["500 error body", () => json({ code: 500, message: "internal error", status: "error" }, 500), "server", true],
    ["502 HTML page", () => text("<html><body><h1>502 Bad Gateway</h1></body></html>", 502), "server", true],
    ["503 empty body", () => text("", 503), "server", true],
    ["HTML page with HTTP 200", () => text("<!doctype html><title>Maintenance</title>"), "invalid_response", true],
    [
      "truncated JSON",
      () => text('{"meta":{"symbol":"AAPL"},"values":[{"datetime":"2024-01-0', 200, "application/json"),
      "invalid_response",
      true,
    ],
    ["a JSON array", () => json([1, 2, 3]), "invalid_response", true],
    [
      "a network failure",
      () => Promise.reject(new TypeError(`connect failed: https://td.test/quote?apikey=${API_KEY}`)),
      "network",
      true,
    ],
  ];

  const cases = table.map(([label, route, kind, retryable]) => ({ label, route, kind, retryable }));

  it.each(cases)("maps $label to $kind", async ({ route, kind, retryable }) => {
    const { td } = provider({ "/time_series": route, "/quote": route });
    for (const call of [td.dailyBars(["AAPL"], "2024-01-01", "2024-01-31"), td.quotes(["AAPL"])]) {
      const err = await failure(call);
      expect(err.kind).toBe(kind);
      expect(err.retryable).toBe(retryable);
      expect(err.message).not.toContain(API_KEY);
    }
  });

  it("takes Retry-After from the header when the vendor sends one", async () => {
    const { td } = provider({ "/quote": () => json(fixtures.error429, 429, { "Retry-After": "17" }) });
    const err = await failure(td.quotes(["AAPL"]));
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(17);
  });

  it("without a header, waits for the next minute when the minute's credits ran out", async () => {
    const { td } = provider({ "/quote": () => json(fixtures.error429) });
    // NOW is 20 s into its minute
    expect((await failure(td.quotes(["AAPL"]))).retryAfterSeconds).toBe(40);
  });

  it("never lets the key into a message, even when the vendor echoes it", async () => {
    const echo = { code: 401, message: `apikey ${API_KEY} is not valid (apikey=${API_KEY})`, status: "error" };
    const { td } = provider({ "/statistics": () => json(echo) });
    const err = await failure(td.marketCap("AAPL"));
    expect(err.kind).toBe("client");
    expect(err.message).not.toContain(API_KEY);
    expect(err.message).toContain("[redacted]");
  });

  it("gives up on a hung connection when the caller's timeout aborts it", async () => {
    const { td } = provider({ "/time_series": hang });
    const caller = new ResilientCaller({
      name: "twelvedata",
      timeoutMs: 30,
      maxRetries: 0,
      breaker: { threshold: 5, cooldownMs: 1000 },
    });
    const err = await failure(caller.call((signal) => td.dailyBars(["AAPL"], "2024-01-01", "2024-01-31", { signal })));
    expect(err.kind).toBe("timeout");
  });

  it("maps its own aborted signal to a timeout", async () => {
    const { td } = provider({ "/quote": hang });
    expect((await failure(td.quotes(["AAPL"], { signal: AbortSignal.timeout(20) }))).kind).toBe("timeout");
  });
});

describe("TwelveDataProvider: quotes and fundamentals", () => {
  it("reads a quote's price, previous close and time", async () => {
    const { td } = provider({ "/quote": () => json(fixtures.quoteOk) });
    expect((await td.quotes(["AAPL"])).get("AAPL")).toEqual({
      ok: true,
      value: { symbol: "AAPL", price: 181.91, previous_close: 184.25, ts: new Date(1704384000 * 1000).toISOString() },
    });
  });

  it("keeps the good quotes of a batch when one symbol fails", async () => {
    const body = { AAPL: fixtures.quoteOk, NOPE: { code: 404, message: "symbol not found: NOPE", status: "error" } };
    const { td } = provider({ "/quote": () => json(body) });
    const result = await td.quotes(["AAPL", "NOPE", "MISSING"]);
    expect(result.get("AAPL")?.ok).toBe(true);
    expect(result.get("NOPE")?.ok).toBe(false);
    expect(result.get("MISSING")).toMatchObject({ ok: false });
  });

  it("reads market cap from statistics, and null when the vendor has none", async () => {
    const stats = (cap: unknown) => ({
      meta: { symbol: "AAPL" },
      statistics: { valuations_metrics: { market_capitalization: cap } },
    });
    const a = provider({ "/statistics": () => json(stats(2_870_000_000_000)) });
    expect(await a.td.marketCap("AAPL")).toEqual({ date: "2024-01-05", market_cap: 2_870_000_000_000 });
    const b = provider({ "/statistics": () => json(stats(null)) });
    expect(await b.td.marketCap("AAPL")).toBeNull();
  });

  it("reads splits as new shares per old share, ascending", async () => {
    const splits = [
      // The vendor's convention (its AAPL example): an n-for-1 split is from_factor n, to_factor 1, ratio 1/n.
      { date: "2024-06-10", description: "10-for-1 split", ratio: 0.1, from_factor: 10, to_factor: 1 },
      { date: "2021-07-20", description: "4-for-1 split", ratio: 0.25, from_factor: 4, to_factor: 1 },
      { date: "2000-06-27", description: "1-for-2 reverse split", ratio: 2, from_factor: 1, to_factor: 2 },
    ];
    const { td, seen } = provider({ "/splits": () => json({ meta: { symbol: "NVDA" }, splits }) });
    expect(await td.splits("NVDA", "2000-01-01", "2024-12-31")).toEqual([
      { date: "2000-06-27", ratio: 0.5 },
      { date: "2021-07-20", ratio: 4 },
      { date: "2024-06-10", ratio: 10 },
    ]);
    expect(seen[0]?.url.searchParams.get("start_date")).toBe("2000-01-01");
  });

  it("reads dividends whose amounts come as numbers or strings", async () => {
    const dividends = [
      { ex_date: "2024-05-10", amount: 0.25 },
      { ex_date: "2024-02-09", amount: "0.24" },
    ];
    const { td } = provider({ "/dividends": () => json({ meta: { symbol: "AAPL" }, dividends }) });
    expect(await td.dividends("AAPL", "2024-01-01", "2024-12-31")).toEqual([
      { ex_date: "2024-02-09", amount: 0.24 },
      { ex_date: "2024-05-10", amount: 0.25 },
    ]);
  });

  it("reads an empty history as no splits or dividends", async () => {
    const { td } = provider({
      "/splits": () => json({ meta: {}, splits: [] }),
      "/dividends": () => json({ meta: {}, dividends: [] }),
    });
    expect(await td.splits("MSFT", "2024-01-01", "2024-12-31")).toEqual([]);
    expect(await td.dividends("MSFT", "2024-01-01", "2024-12-31")).toEqual([]);
  });
});
