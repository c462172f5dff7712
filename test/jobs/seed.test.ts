// The local seed tells one consistent story: every raw price jump has its corporate action, adjusted series
// move no more than each asset's volatility explains, caps are shares × raw close, and the demo index is
// recomputed independently (test-only code, from raw bars, actions and caps read through the API).
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { newId } from "../../src/db/ids";
import { seedIfEmpty } from "../../src/services/seed";
import { signAccessToken } from "../../src/services/tokens";
import { call, callAs } from "../helpers/http";

interface RawBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adj_close: number;
  volume: number;
}
interface Actions {
  splits: Array<{ date: string; ratio: number }>;
  dividends: Array<{ ex_date: string; amount: number }>;
}
interface Cap {
  date: string;
  market_cap: number;
  shares_outstanding: number | null;
}

let admin = "";
let demo = "";
let symbols: string[] = [];

async function tokenOf(email: string) {
  const u = await env.DB.prepare("SELECT id, role FROM users WHERE email = ?")
    .bind(email)
    .first<{ id: string; role: "user" | "admin" }>();
  return (await signAccessToken(getConfig(env), { id: u!.id, role: u!.role }, newId("fam"))).token;
}

/** Every page of a list route. */
async function all<T>(path: string, token = admin, limit = 1000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const url: string = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const r = await callAs<{ data: T[]; next_cursor: string | null }>(url, { token });
    expect(r.status, path).toBe(200);
    out.push(...r.body.data);
    cursor = r.body.next_cursor;
  } while (cursor);
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
/** Robust daily volatility (1.4826 × median absolute deviation of log returns): a few jumps cannot inflate it. */
const robustSigma = (r: number[]) => {
  const m = median(r);
  return 1.4826 * median(r.map((x) => Math.abs(x - m)));
};
/** What "beyond the asset's volatility" means here: 8 robust sigmas (a normal day exceeds it with p ≈ 1e-15). */
const JUMP_SIGMAS = 8;

/** CRSP factors from the raw closes and the actions (the textbook definition, written again for the test). */
function crspAdjusted(bars: RawBar[], actions: Actions): number[] {
  const factor = bars.map(() => 1);
  const closeBefore = (date: string) => [...bars].reverse().find((b) => b.date < date)?.close;
  for (const s of actions.splits) {
    for (const [i, b] of bars.entries()) if (b.date < s.date) factor[i]! /= s.ratio;
  }
  for (const d of actions.dividends) {
    const sameDaySplit = actions.splits.find((s) => s.date === d.ex_date)?.ratio ?? 1;
    const p = closeBefore(d.ex_date);
    if (p === undefined) continue;
    const m = 1 - d.amount / (p / sameDaySplit);
    for (const [i, b] of bars.entries()) if (b.date < d.ex_date) factor[i]! *= m;
  }
  return bars.map((b, i) => b.close * factor[i]!);
}

beforeAll(async () => {
  const report = await seedIfEmpty(env, getConfig(env));
  expect(report.seeded).toBe(true);
  admin = await tokenOf("admin@edgeindex.dev");
  demo = await tokenOf("demo@edgeindex.dev");
  symbols = (await all<{ symbol: string }>("/v1/assets", admin, 100)).map((a) => a.symbol);
}, 120_000);

describe("the seeded synthetic universe", () => {
  it("stores the splits and dividends its prices contain", async () => {
    const nvda = (await call("/v1/assets/NVDA/corporate-actions", { token: admin })).body as Actions;
    expect(nvda.splits).toContainEqual({ date: "2024-06-10", ratio: 10 });
    const ko = (await call("/v1/assets/KO/corporate-actions?start=2025-01-01&end=2025-12-31", { token: admin }))
      .body as Actions;
    expect(ko.dividends).toHaveLength(4);
  });

  it("every raw jump beyond the asset's volatility has its split, and no adjusted return exceeds it", async () => {
    expect(symbols.length).toBeGreaterThanOrEqual(50);
    let jumps = 0;
    for (const symbol of symbols) {
      const bars = await all<RawBar>(`/v1/assets/${encodeURIComponent(symbol)}/prices`);
      const actions = (await call(`/v1/assets/${encodeURIComponent(symbol)}/corporate-actions`, { token: admin }))
        .body as Actions;
      const raw = bars.slice(1).map((b, i) => Math.log(b.close / bars[i]!.close));
      const adj = bars.slice(1).map((b, i) => Math.log(b.adj_close / bars[i]!.adj_close));
      const limit = JUMP_SIGMAS * robustSigma(raw);
      const splitDays = new Set(actions.splits.map((s) => s.date));
      raw.forEach((r, i) => {
        const date = bars[i + 1]!.date;
        if (Math.abs(r) > limit) {
          jumps++;
          expect(splitDays.has(date), `${symbol} raw ${r.toFixed(3)} on ${date}`).toBe(true);
        }
      });
      for (const [i, r] of adj.entries())
        expect(Math.abs(r), `${symbol} adjusted on ${bars[i + 1]!.date}`).toBeLessThan(limit);
      // adj_close is the CRSP adjustment of the raw closes by exactly these actions.
      const expected = crspAdjusted(bars, actions);
      for (const [i, b] of bars.entries()) expect(b.adj_close).toBeCloseTo(expected[i]!, 8);
    }
    expect(jumps).toBeGreaterThanOrEqual(4); // NVDA, AVGO, NFLX, WMT split inside the seeded years
  }, 120_000);

  it("values each company at shares outstanding × raw close, every day, in a dated history", async () => {
    for (const symbol of ["NVDA", "KO", "SPY"]) {
      const bars = await all<RawBar>(`/v1/assets/${symbol}/prices`);
      const caps = await all<Cap>(`/v1/assets/${symbol}/market-caps`);
      expect(caps.map((c) => c.date)).toEqual(bars.map((b) => b.date));
      for (const [i, c] of caps.entries())
        expect(c.market_cap).toBe(Math.round(bars[i]!.close * c.shares_outstanding!));
    }
  });

  it("adjustment=split divides prices and multiplies volume by later splits; all makes adj_close the close", async () => {
    const q = "start=2024-06-05&end=2024-06-14";
    const raw = await all<RawBar>(`/v1/assets/NVDA/prices?${q}`);
    const split = await all<RawBar>(`/v1/assets/NVDA/prices?${q}&adjustment=split`);
    const adjusted = await all<RawBar>(`/v1/assets/NVDA/prices?${q}&adjustment=all`);
    raw.forEach((b, i) => {
      const r = b.date < "2024-06-10" ? 10 : 1;
      expect(split[i]!.close).toBeCloseTo(b.close / r, 9);
      // Cents ÷ 10 has at most three decimals: the answer carries no binary floating-point tail.
      expect(Math.round(split[i]!.close * 1000) / 1000).toBe(split[i]!.close);
      expect(split[i]!.high).toBeCloseTo(b.high / r, 9);
      expect(split[i]!.volume).toBeCloseTo(b.volume * r, 6);
      expect(adjusted[i]!.close).toBe(adjusted[i]!.adj_close);
      expect(adjusted[i]!.volume).toBeCloseTo(b.volume * r, 6);
    });
    const bad = await call("/v1/assets/NVDA/prices?adjustment=total", { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.problem.errors![0]!.path).toBe("adjustment");
  });
});

describe("the demo index on the seed", () => {
  it("has no daily return beyond ±20%", async () => {
    const list = await call("/v1/indexes", { token: demo });
    const id = list.body.data[0]!.id as string;
    const values = await all<{ daily_return: number | null }>(`/v1/indexes/${id}/values`, demo);
    expect(values.length).toBeGreaterThan(700);
    for (const v of values) if (v.daily_return !== null) expect(Math.abs(v.daily_return)).toBeLessThan(0.2);
  });

  it("equals an independent recomputation from raw bars, actions and the cap history to 1e-9", async () => {
    const list = await call("/v1/indexes", { token: demo });
    const index = list.body.data[0];
    const { constituents, base_date, base_value, max_weight } = index as {
      constituents: string[];
      base_date: string;
      base_value: number;
      max_weight: number;
    };
    const adj = new Map<string, Map<string, number>>();
    const cap = new Map<string, Map<string, number>>();
    for (const s of constituents) {
      const bars = await all<RawBar>(`/v1/assets/${s}/prices`);
      const actions = (await call(`/v1/assets/${s}/corporate-actions`, { token: admin })).body as Actions;
      const a = crspAdjusted(bars, actions);
      adj.set(s, new Map(bars.map((b, i) => [b.date, a[i]!])));
      cap.set(s, new Map((await all<Cap>(`/v1/assets/${s}/market-caps`)).map((c) => [c.date, c.market_cap])));
    }
    const dates = [...new Set(constituents.flatMap((s) => [...adj.get(s)!.keys()]))]
      .filter((d) => d >= base_date)
      .sort();
    // Cap-and-redistribute, repeated until every weight holds (the rule as API.md states it).
    const capWeights = (raw: number[]) => {
      const w = raw.map(() => 0);
      const fixed = raw.map(() => false);
      for (;;) {
        const left = 1 - fixed.reduce((t, f) => t + (f ? max_weight : 0), 0);
        const freeRaw = raw.reduce((t, r, i) => t + (fixed[i] ? 0 : r), 0);
        for (const [i, r] of raw.entries()) w[i] = fixed[i] ? max_weight : (r / freeRaw) * left;
        const over = w.findIndex((x, i) => !fixed[i] && x > max_weight + 1e-15);
        if (over < 0) return w;
        for (const [i, x] of w.entries()) if (x > max_weight) fixed[i] = true;
      }
    };
    let units: number[] = [];
    let month = "";
    const levels: number[] = [];
    for (const d of dates) {
      const px = constituents.map((s) => adj.get(s)!.get(d)!);
      let v = units.length ? units.reduce((t, u, i) => t + u * px[i]!, 0) : base_value;
      if (d.slice(0, 7) !== month) {
        month = d.slice(0, 7);
        const w = capWeights(constituents.map((s) => cap.get(s)!.get(d)!)); // the cap known on the rebalance day
        units = w.map((x, i) => (x * v) / px[i]!);
        v = units.reduce((t, u, i) => t + u * px[i]!, 0);
      }
      levels.push(v);
    }
    const [version] = (await call(`/v1/indexes/${index!.id}/versions`, { token: demo })).body.data;
    expect(Object.values(version!.metadata!.market_caps as Record<string, string>)).toEqual(
      constituents.map(() => "point_in_time"),
    );
    const served = await all<{ date: string; value: number }>(`/v1/indexes/${index!.id}/values`, demo);
    expect(served.map((x) => x.date)).toEqual(dates);
    for (const [i, x] of served.entries()) expect(Math.abs(x.value - levels[i]!) / levels[i]!).toBeLessThan(1e-9);
  });
});

describe("indicators on the seed", () => {
  it("RSI(7) of XOM on 2024-03-01 is the same for any start, and Wilder's over the whole adjusted history", async () => {
    const day = "2024-03-01";
    const seen: number[] = [];
    for (const start of ["2024-02-29", "2024-02-01", "2023-12-01", "2020-01-01"]) {
      const r = await call(`/v1/assets/XOM/indicators?kind=rsi&window=7&start=${start}&end=${day}`, { token: demo });
      expect(r.status).toBe(200);
      expect(r.body.data.at(-1)!.date).toBe(day);
      seen.push(r.body.data.at(-1)!.value as number); // an sma answers numbers
    }
    expect(new Set(seen).size).toBe(1);
    const closes = (await all<RawBar>("/v1/assets/XOM/prices?adjustment=all&end=2024-03-01")).map((b) => b.close);
    let gain = 0;
    let loss = 0;
    for (let i = 1; i < closes.length; i++) {
      const d = closes[i]! - closes[i - 1]!;
      gain = i <= 7 ? gain + Math.max(d, 0) / 7 : (gain * 6 + Math.max(d, 0)) / 7;
      loss = i <= 7 ? loss + Math.max(-d, 0) / 7 : (loss * 6 + Math.max(-d, 0)) / 7;
    }
    expect(seen[0]).toBeCloseTo(100 - 100 / (1 + gain / loss), 9);
  });
});
