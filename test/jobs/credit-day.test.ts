// Replays one free-plan trading day against a model of Twelve Data: quotes through the session, then the daily
// refresh after the close. The daily refresh of every symbol must complete inside the day's 800 credits.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config";
import { tradingDays } from "../../src/domain/calendar";
import { minutesIntoSession } from "../../src/domain/trading-session";
import { CRONS } from "../../src/jobs/cron";
import { createProvider } from "../../src/providers";
import type { RefreshMessage } from "../../src/schemas/messages";
import { planDailyRefresh, planQuoteRun } from "../../src/services/credit-planner";
import { type RefreshOutcome, runRefresh } from "../../src/services/refresh";
import { insertAssets, insertBars } from "../helpers/market";
import { API_KEY } from "../providers/fake-twelvedata";
import { twelveDataVendor, type VendorSymbol, vendorBars } from "../providers/twelvedata-vendor";

const DAY = "2024-06-28"; // a Friday: the day `* * 1-5` (Sunday to Thursday on Cloudflare) used to skip
const SYMBOLS = Array.from({ length: 60 }, (_, i) => `S${String(i).padStart(2, "0")}`);
const WATCHED = SYMBOLS.slice(0, 20);
const MINUTE = 60_000;

describe("a free-plan trading day", () => {
  it("spends quotes on watched symbols at the planned cadence and still completes every symbol's daily bar", async () => {
    const dates = tradingDays("2024-05-01", DAY);
    const vendorSymbols: Record<string, VendorSymbol> = {};
    SYMBOLS.forEach((s, i) => {
      vendorSymbols[s] = { bars: vendorBars(dates, 50 + i) };
    });
    const ids = await insertAssets(SYMBOLS.map((symbol) => ({ symbol, name: symbol })));
    // Stored history up to the day before: the daily refresh re-reads a week and adds the new bar.
    for (const s of SYMBOLS) {
      const bars = vendorSymbols[s]?.bars.filter((b) => b.date < DAY) ?? [];
      await insertBars(
        ids.get(s) as number,
        bars.map((b) => b.date),
        (i) => bars[i]?.close ?? 1,
      );
    }
    // Users watch 20 symbols through alerts.
    await env.DB.prepare(
      "INSERT INTO users (id, email, password_hash, role) VALUES ('usr_day', 'day@example.com', 'x', 'user') ON CONFLICT DO NOTHING",
    ).run();
    for (const s of WATCHED)
      await env.DB.prepare(
        "INSERT INTO alerts (id, owner_id, symbol, condition, price) VALUES (?, 'usr_day', ?, 'above', 1000000)",
      )
        .bind(`alr_${s}`, s)
        .run();

    const clock = { now: Date.parse(`${DAY}T13:00:00Z`) };
    const vendor = twelveDataVendor({ apiKey: API_KEY, plan: "basic", symbols: vendorSymbols, now: () => clock.now });
    const cfg = configSchema.parse({ ...env, TWELVEDATA_API_KEY: API_KEY, TWELVEDATA_PLAN: "basic" });
    const provider = createProvider(env, cfg, {
      fetch: vendor.fetch,
      now: () => clock.now,
      random: () => 0.5,
      sleep: async (ms) => {
        clock.now += ms;
      },
    });
    const run = (message: Omit<RefreshMessage, "job_id">) =>
      runRefresh(
        env,
        { ...message, job_id: `job_${clock.now}` },
        {
          provider,
          cfg,
          now: () => new Date(clock.now),
          publishQuotes: async () => {},
        },
      );

    // The session: the quotes trigger fires each minute 13:00–21:59 UTC; the code decides which minutes spend.
    const quoted = new Set<string>();
    let quoteRuns = 0;
    for (let t = Date.parse(`${DAY}T13:00:00Z`); t < Date.parse(`${DAY}T21:00:00Z`); t += MINUTE) {
      clock.now = Math.max(clock.now, t);
      const minute = minutesIntoSession(new Date(t));
      const job = minute === null ? null : await planQuoteRun(env, cfg, minute);
      if (!job) continue;
      quoteRuns++;
      const outcome = await run(job.message);
      expect(outcome.stats.quotes_updated).toBe(job.message.symbols?.length);
      for (const s of job.message.symbols ?? []) quoted.add(s);
    }
    // 20 watched symbols, runs of 8 every 5 minutes (see test/domain/credit-plan.test.ts): 78 runs taking the groups
    // of 8, 8 and 4 symbols in turn, 26 times each: 26 × 20 = 520 credits.
    expect(quoteRuns).toBe(78);
    expect([...quoted].sort()).toEqual(WATCHED);
    expect(vendor.creditsToday()).toBe(520);
    expect(CRONS.quotes).toBe("* 13-21 * * MON-FRI");

    // After the close: the daily refresh, as planned messages delivered at their delays.
    const start = Date.parse(`${DAY}T21:15:00Z`);
    const planned = await planDailyRefresh(env, cfg, DAY);
    expect(planned).toHaveLength(8);
    const outcomes: RefreshOutcome[] = [];
    for (const job of planned) {
      clock.now = Math.max(clock.now, start + job.delaySeconds * 1000);
      outcomes.push(await run(job.message));
    }
    expect(outcomes.map((o) => o.status)).toEqual(Array(8).fill("succeeded"));
    const fresh = await env.DB.prepare(
      "SELECT COUNT(DISTINCT asset_id) AS n FROM prices WHERE date = ? AND superseded_at IS NULL",
    )
      .bind(DAY)
      .first<{ n: number }>();
    expect(fresh?.n).toBe(60);
    // Inside the vendor's day, never refused for credits, and nothing asked of endpoints above the free plan.
    expect(vendor.creditsToday()).toBe(520 + 60);
    expect(vendor.requests.filter((r) => r.code === 429)).toEqual([]);
    expect(vendor.requests.filter((r) => r.code === 403)).toEqual([]);
    expect(vendor.requests.every((r) => r.path === "/time_series" || r.path === "/quote")).toBe(true);
    expect(outcomes[0]?.stats.symbols_failed).toEqual([]);

    // A full refresh (an admin's) on the free plan: what the plan leaves out is a capability gap in the job stats,
    // not a failed symbol, and the vendor is never asked for it.
    const full = await run({ kind: "refresh", mode: "daily", symbols: ["S00"] });
    expect(full.status).toBe("succeeded");
    expect(full.stats.capability_gaps).toEqual(["splits", "dividends", "market_cap"]);
    expect(full.stats.symbols_failed).toEqual([]);
    expect(vendor.requests.some((r) => ["/splits", "/dividends", "/statistics"].includes(r.path))).toBe(false);
  }, 180_000); // 390 session minutes, each planned against D1 and the stream shards
});
