// The refresh pipeline against the synthetic provider and a scripted fake: storage, revisions, chunking, quality, status rules.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { ResilientCaller, ResilientProvider } from "../../src/providers/resilience";
import { SyntheticProvider } from "../../src/providers/synthetic";
import { runRefresh } from "../../src/services/refresh";
import { insertAssets } from "../helpers/market";
import { FakeProvider, type FakeSeries, makeSeries } from "./fake-provider";
import { currentPrices, deliver, jobRow, NOW, recordJob, refreshWith } from "./helpers";

const cfg = () => getConfig(env);
const message = (over: Record<string, unknown> = {}) => ({
  kind: "refresh" as const,
  job_id: "job_test",
  mode: "daily" as const,
  ...over,
});

describe("refresh pipeline with the synthetic provider", () => {
  const provider = new SyntheticProvider({ seed: 42, now: () => NOW.getTime() });

  beforeAll(async () => {
    await insertAssets([
      { symbol: "AAPL", name: "Apple" },
      { symbol: "MSFT", name: "Microsoft" },
    ]);
  });

  it("backfills full history, caps and corporate actions; a rerun changes nothing", async () => {
    const first = await runRefresh(env, message({ mode: "backfill", symbols: ["AAPL", "MSFT"] }), {
      provider,
      cfg: cfg(),
      now: () => NOW,
    });
    expect(first.status).toBe("succeeded");
    const expected = await provider.dailyBars(["AAPL", "MSFT"], "2000-01-01", "2024-06-28");
    const total = [...expected.values()].reduce((n, r) => n + (r.ok ? r.value.length : 0), 0);
    expect(first.stats.rows_inserted).toBe(total);
    expect(first.stats.rows_revised).toBe(0);
    expect(first.stats.rows_rejected).toBe(0);
    // The synthetic source has a dated cap history: one observation per stored session.
    expect(first.stats.market_caps_updated).toBe(total);
    expect(first.stats.corporate_actions_changed).toBeGreaterThan(0);
    expect(first.stats.adjustment_factors_rebuilt).toBe(2);

    const again = await runRefresh(env, message({ mode: "backfill", symbols: ["AAPL", "MSFT"] }), {
      provider,
      cfg: cfg(),
      now: () => NOW,
    });
    expect(again.stats).toMatchObject({
      rows_inserted: 0,
      rows_revised: 0,
      rows_unchanged: total,
      market_caps_updated: 0,
      corporate_actions_changed: 0,
      adjustment_factors_rebuilt: 0,
    });
  });

  it("adjusts across AAPL's 4-for-1 split: raw closes jump, adjusted closes do not", async () => {
    const rows = (await currentPrices(["AAPL"])).filter((r) => r.date >= "2020-08-27" && r.date <= "2020-09-01");
    const before = rows.find((r) => r.date === "2020-08-28")!;
    const after = rows.find((r) => r.date === "2020-08-31")!;
    expect(before.close / after.close).toBeGreaterThan(3);
    expect(Math.abs(after.adj_close / before.adj_close - 1)).toBeLessThan(0.15);
    const split = await env.DB.prepare(
      "SELECT ratio FROM corporate_actions ca JOIN assets a ON a.id = ca.asset_id WHERE a.symbol = 'AAPL' AND kind = 'split'",
    ).first();
    expect(split).toEqual({ ratio: 4 });
  });

  it("a daily run asks only for the days since the last stored bar (minus the overlap)", async () => {
    const calls: Array<{ start: string; end: string }> = [];
    const spy = Object.create(provider) as SyntheticProvider;
    spy.dailyBars = (s, start, end) => {
      calls.push({ start, end });
      return provider.dailyBars(s, start, end);
    };
    const run = await runRefresh(env, message({ symbols: ["AAPL", "MSFT"] }), {
      provider: spy,
      cfg: cfg(),
      now: () => NOW,
    });
    expect(run.status).toBe("succeeded");
    expect(calls).toEqual([{ start: "2024-06-21", end: "2024-06-28" }]);
    expect(run.stats.rows_inserted).toBe(0);
  });
});

describe("refresh pipeline with a scripted provider", () => {
  let ids: Map<string, number>;
  const series = (shift: number, extra: Partial<FakeSeries> = {}): FakeSeries => ({
    bars: makeSeries("2024-05-01", "2024-06-28", shift),
    marketCap: { date: "2024-06-28", market_cap: 1e9 + shift },
    ...extra,
  });

  beforeAll(async () => {
    ids = await insertAssets(
      ["QA", "QB", "QC", "QD", "QE", "QBAD", "QREV"].map((symbol) => ({ symbol, name: symbol })),
    );
  });

  it("splits the symbol list into provider-sized calls", async () => {
    const fake = new FakeProvider(new Map(["QA", "QB", "QC", "QD", "QE"].map((s, i) => [s, series(i)])), {
      maxSymbolsPerCall: 2,
    });
    const run = await runRefresh(env, message({ symbols: ["QA", "QB", "QC", "QD", "QE"] }), {
      provider: fake,
      cfg: cfg(),
      now: () => NOW,
    });
    expect(run.status).toBe("succeeded");
    expect(fake.calls.filter((c) => c.method === "dailyBars").map((c) => c.symbols)).toEqual([
      ["QA", "QB"],
      ["QC", "QD"],
      ["QE"],
    ]);
    expect(run.stats.rows_inserted).toBe(5 * series(0).bars.length);
  });

  it("rejects bad bars with reasons and stores the good ones", async () => {
    const good = makeSeries("2024-06-03", "2024-06-07");
    const bad = [
      ...good,
      { date: "2024-06-10", open: 10, high: 9, low: 11, close: 10, volume: 5 },
      { date: "2024-06-11", open: -1, high: 10, low: 9, close: 10, volume: 5 },
      { date: "2024-06-12", open: 10, high: 11, low: 9, close: 10, volume: -5 },
      { date: "2024-06-13", open: Number.NaN, high: 11, low: 9, close: 10, volume: 5 },
      { date: "2024-06-15", open: 10, high: 11, low: 9, close: 10, volume: 5 },
      { date: "2024-06-19", open: 10, high: 11, low: 9, close: 10, volume: 5 },
      { date: "2024-07-01", open: 10, high: 11, low: 9, close: 10, volume: 5 },
      { date: "2024-06-31", open: 10, high: 11, low: 9, close: 10, volume: 5 },
    ];
    const fake = new FakeProvider(new Map([["QBAD", { bars: bad }]]));
    const run = await runRefresh(env, message({ symbols: ["QBAD"], start: "2024-06-01", end: "2024-07-31" }), {
      provider: fake,
      cfg: cfg(),
      now: () => NOW,
    });
    expect(run.status).toBe("succeeded");
    expect(run.stats.rows_inserted).toBe(good.length);
    expect(run.stats.rows_rejected).toBe(8);
    expect(run.stats.rejections).toEqual([
      { symbol: "QBAD", date: "2024-06-10", reason: "high_below_low" },
      { symbol: "QBAD", date: "2024-06-11", reason: "non_positive_price" },
      { symbol: "QBAD", date: "2024-06-12", reason: "negative_volume" },
      { symbol: "QBAD", date: "2024-06-13", reason: "non_finite" },
      { symbol: "QBAD", date: "2024-06-15", reason: "not_a_trading_day" },
      { symbol: "QBAD", date: "2024-06-19", reason: "not_a_trading_day" },
      { symbol: "QBAD", date: "2024-07-01", reason: "future_date" },
      { symbol: "QBAD", date: "2024-06-31", reason: "invalid_date" },
    ]);
    const stored = await currentPrices(["QBAD"]);
    expect(stored.map((r) => r.date)).toEqual(good.map((b) => b.date));
  });

  it("a changed value becomes a revision, visible through the revisions route", async () => {
    const bars = makeSeries("2024-06-24", "2024-06-28", 7);
    const fake = new FakeProvider(new Map([["QREV", { bars }]]));
    await runRefresh(env, message({ symbols: ["QREV"], start: "2024-06-24" }), {
      provider: fake,
      cfg: cfg(),
      now: () => NOW,
    });
    bars[2] = { ...bars[2]!, close: bars[2]!.close + 1, high: bars[2]!.high + 1 };
    await new Promise((r) => setTimeout(r, 5)); // a later recorded_at
    const second = await runRefresh(env, message({ symbols: ["QREV"], start: "2024-06-24" }), {
      provider: fake,
      cfg: cfg(),
      now: () => NOW,
    });
    expect(second.stats).toMatchObject({ rows_inserted: 0, rows_revised: 1, rows_unchanged: 4 });
    const versions = await env.DB.prepare(
      "SELECT close, superseded_at FROM prices WHERE asset_id = ? AND date = ? ORDER BY recorded_at",
    )
      .bind(ids.get("QREV"), bars[2]!.date)
      .all();
    expect(versions.results).toHaveLength(2);
    expect(versions.results[0]!.superseded_at).not.toBeNull();
    expect(versions.results[1]).toMatchObject({ close: bars[2]!.close, superseded_at: null });
  });

  it("a refused symbol never sinks the others: the job succeeds and lists it; all refused fails the job", async () => {
    const fake = new FakeProvider(
      new Map([
        ["QA", series(0)],
        ["QB", series(1)],
      ]),
      { refuse: new Set(["QB"]) },
    );
    const partial = await recordJob({ kind: "refresh", mode: "daily", symbols: ["QA", "QB"] });
    expect(await deliver(partial, 1, refreshWith(fake))).toMatchObject({ acked: true });
    const row = await jobRow(partial.job_id);
    expect(row).toMatchObject({ status: "succeeded", attempts: 1, error: null });
    expect(row!.stats.symbols_failed).toEqual(["QB"]);

    const allBad = new FakeProvider(new Map(), {});
    const failed = await recordJob({ kind: "refresh", mode: "daily", symbols: ["QA", "QB"] });
    expect(await deliver(failed, 1, refreshWith(allBad))).toMatchObject({ acked: true });
    const failedRow = await jobRow(failed.job_id);
    expect(failedRow).toMatchObject({ status: "failed" });
    expect(failedRow!.error).toMatch(/every symbol failed/);
    expect(failedRow!.stats.symbols_failed).toEqual(["QA", "QB"]);
  });

  it("a chunk the request budget refused is retried (retry_symbols), not listed as refused for good", async () => {
    await insertAssets(["QF", "QG", "QH"].map((symbol) => ({ symbol, name: symbol })));
    const fake = new FakeProvider(
      new Map([
        ["QF", series(2)],
        ["QG", series(3)],
        ["QH", series(4)],
      ]),
      { maxSymbolsPerCall: 2 },
    );
    // A budget of 2 credits a minute pays for the first bars chunk (QF, QG) only; nothing waits in line.
    const caller = new ResilientCaller({
      name: "fake",
      gate: env.RATE_LIMITER.getByName(`provider:budget-${crypto.randomUUID()}`),
      timeoutMs: 1000,
      maxRetries: 0,
      breaker: { threshold: 5, cooldownMs: 60_000 },
      budget: { perMinute: 2, perDay: 100 },
      maxWaitMs: 0,
    });
    const job = await recordJob({ kind: "refresh", mode: "daily", symbols: ["QF", "QG", "QH"] });
    const r = await deliver(job, 1, refreshWith(new ResilientProvider(fake, caller)));
    expect(r).toMatchObject({ acked: false, retried: true });
    const row = await jobRow(job.job_id);
    expect(row).toMatchObject({ status: "queued" });
    // QH's bars were refused; QF and QG got their bars but not their caps and corporate actions (also budgeted).
    expect([...row!.stats.retry_symbols].sort()).toEqual(["QF", "QG", "QH"]);
    expect(row!.stats.failures.find((f: { symbol: string }) => f.symbol === "QH")).toMatchObject({
      retryable: true,
      error: expect.stringContaining("budget exhausted"),
    });
    expect(row!.stats.rows_inserted).toBe(2 * series(0).bars.length);
  });

  it("quotes mode stores the latest quotes and hands them to the live stream", async () => {
    const fake = new FakeProvider(
      new Map([
        ["QA", series(0)],
        ["QB", series(1)],
      ]),
    );
    const published: unknown[][] = [];
    const job = await recordJob({ kind: "refresh", mode: "quotes", symbols: ["QA", "QB"] });
    await deliver(
      job,
      1,
      refreshWith(fake, async (_e, q) => void published.push(q)),
    );
    expect((await jobRow(job.job_id))!.stats.quotes_updated).toBe(2);
    expect(published).toHaveLength(1);
    expect(published[0]).toHaveLength(2);
    const q = await env.DB.prepare("SELECT price FROM quotes WHERE asset_id = ?")
      .bind(ids.get("QA"))
      .first<{ price: number }>();
    expect(q?.price).toBe(series(0).bars.at(-1)!.close);
  });
});
