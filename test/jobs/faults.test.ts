// Fault injection: the same refresh clean and against a provider failing ~30% of calls in every way → identical data.
import { beforeAll, describe, expect, it } from "vitest";
import { ResilientCaller, ResilientProvider } from "../../src/providers/resilience";
import { call, userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";
import { FAULT_KINDS, FakeProvider, type FakeSeries, makeSeries } from "./fake-provider";
import { currentPrices, drive, jobRow, pricesCount, recordJob, refreshWith } from "./helpers";

const N = 10;
const symbols = (prefix: string) => Array.from({ length: N }, (_, i) => `${prefix}${i}`);
const indexOf = (s: string) => s.replace(/^[A-Z]+/, "");

/** Ten series of a year each; some split, some pay dividends. */
function universe(prefix: string): Map<string, FakeSeries> {
  return new Map(
    symbols(prefix).map((s, i) => [
      s,
      {
        bars: makeSeries("2023-07-03", "2024-06-28", i),
        marketCap: { date: "2024-06-28", market_cap: 1e9 * (i + 1) },
        splits: i % 3 === 0 ? [{ date: "2024-01-16", ratio: 2 + i }] : [],
        dividends:
          i % 2 === 0
            ? [
                { ex_date: "2023-11-09", amount: 0.25 },
                { ex_date: "2024-05-09", amount: 0.3 },
              ]
            : [],
      },
    ]),
  );
}

/** The real resilience layer over the fake: per-call timeout and jittered retries, no waiting in tests. */
function resilient(fake: FakeProvider, maxRetries = 2) {
  const caller = new ResilientCaller({
    name: fake.name,
    timeoutMs: 20,
    maxRetries,
    breaker: { threshold: 1_000_000, cooldownMs: 1 },
    sleep: async () => {},
    random: () => 0.5,
  });
  return new ResilientProvider(fake, caller);
}

describe("refresh under injected provider faults", () => {
  beforeAll(async () => {
    await insertAssets(
      [...symbols("CLEAN"), ...symbols("FLAKY"), ...symbols("TWICE"), ...symbols("DOOMED")].map((symbol) => ({
        symbol,
        name: symbol,
      })),
    );
  });

  it("stores exactly what a clean run stores; rows only ever grow; redeliveries change nothing", async () => {
    const clean = new FakeProvider(universe("CLEAN"), { maxSymbolsPerCall: 3 });
    const cleanJob = await recordJob({ kind: "refresh", mode: "backfill", symbols: symbols("CLEAN") }, "backfill");
    expect((await drive(cleanJob, refreshWith(resilient(clean)))).deliveries).toBe(1);
    const expected = await currentPrices(symbols("CLEAN"), indexOf);
    expect(expected.length).toBe(N * makeSeries("2023-07-03", "2024-06-28").length);

    const flaky = new FakeProvider(universe("FLAKY"), { maxSymbolsPerCall: 3, faultRate: 0.3, seed: 7 });
    const job = await recordJob({ kind: "refresh", mode: "backfill", symbols: symbols("FLAKY") }, "backfill");
    const before = await pricesCount();
    const report = await drive(job, refreshWith(resilient(flaky)));

    // Every kind of fault happened, some reached the job level, and the job still got there.
    expect(new Set(flaky.calls.map((c) => c.fault).filter(Boolean))).toEqual(new Set(FAULT_KINDS));
    expect(report.outcome).toBe("acked");
    expect(report.deliveries).toBeGreaterThan(1);
    expect(report.delays).toEqual(report.delays.map((_, i) => Math.min(900, 30 * 2 ** i)));
    for (let i = 1; i < report.counts.length; i++)
      expect(report.counts[i]).toBeGreaterThanOrEqual(report.counts[i - 1]!);
    expect(before).toBeLessThanOrEqual(report.counts.at(-1)!);

    const row = await jobRow(job.job_id);
    expect(row).toMatchObject({ status: "succeeded", attempts: report.deliveries, error: null });
    expect(await currentPrices(symbols("FLAKY"), indexOf)).toEqual(expected);

    // The same message again, twice: the job has ended, nothing is rerun or rewritten.
    const countAfter = await pricesCount();
    const again = await drive(job, refreshWith(resilient(flaky)), { duplicate: true });
    expect(again.outcome).toBe("acked");
    expect(await jobRow(job.job_id)).toEqual(row);
    expect(await pricesCount()).toBe(countAfter);
  });

  it("with every message delivered twice (at-least-once), the stored data still matches the clean run", async () => {
    const expected = await currentPrices(symbols("CLEAN"), indexOf);
    const flaky = new FakeProvider(universe("TWICE"), { maxSymbolsPerCall: 3, faultRate: 0.3, seed: 11 });
    const job = await recordJob({ kind: "refresh", mode: "backfill", symbols: symbols("TWICE") }, "backfill");
    const report = await drive(job, refreshWith(resilient(flaky)), { duplicate: true });
    expect(report.outcome).toBe("acked");
    for (let i = 1; i < report.counts.length; i++)
      expect(report.counts[i]).toBeGreaterThanOrEqual(report.counts[i - 1]!);
    expect(await currentPrices(symbols("TWICE"), indexOf)).toEqual(expected);
    // A second, independent run over the same days finds nothing new and revises nothing.
    const rerun = await recordJob({ kind: "refresh", mode: "backfill", symbols: symbols("TWICE") }, "backfill");
    await drive(rerun, refreshWith(resilient(new FakeProvider(universe("TWICE"), { maxSymbolsPerCall: 3 }))));
    expect((await jobRow(rerun.job_id))!.stats).toMatchObject({
      rows_inserted: 0,
      rows_revised: 0,
      symbols_failed: [],
    });
    expect(await currentPrices(symbols("TWICE"), indexOf)).toEqual(expected);
  });

  it("a job whose retries run out ends dead through the dead-letter queue, visible to admins", async () => {
    const broken = new FakeProvider(universe("DOOMED"), { maxSymbolsPerCall: 3, faultRate: 1, seed: 3 });
    const job = await recordJob({ kind: "refresh", mode: "backfill", symbols: symbols("DOOMED") }, "backfill");
    const report = await drive(job, refreshWith(resilient(broken)));
    expect(report.outcome).toBe("dead");
    expect(report.deliveries).toBe(6);
    expect(report.delays).toEqual([30, 60, 120, 240, 480, 900]);

    const admin = await userToken("admin");
    const res = await call(`/v1/admin/jobs/${job.job_id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: job.job_id, kind: "backfill", status: "dead", attempts: 6 });
    expect(res.body.error).toMatch(/retries exhausted after 6 attempt/);
    expect([...res.body.stats.symbols_failed].sort()).toEqual(symbols("DOOMED"));
    expect(res.body.stats).toMatchObject({
      rows_inserted: expect.any(Number),
      rows_revised: 0,
      retry_symbols: expect.any(Array),
    });
  });
});
