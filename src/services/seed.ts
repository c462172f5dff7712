// Local-development seeding on an empty database: synthetic assets, 3+ years of bars, market caps, quotes,
// the demo user and admin. It writes through the same bulk-upsert path the refresh pipeline uses.
import type { Config } from "../config";
import { countAssets, insertAssetsIfAbsent } from "../db/assets";
import { findUserByEmail, insertUsersIfAbsent } from "../db/identity";
import { upsertMarketCaps } from "../db/market-events";
import { type BarRow, upsertBars } from "../db/prices";
import { upsertQuotes } from "../db/quotes";
import { SYNTHETIC_UNIVERSE, SyntheticProvider } from "../providers/synthetic";
import { createDemoIndex } from "./index-builds";
import { hashPassword } from "./passwords";

export const DEMO_PASSWORD = "edgeindex-demo-pass";
export const DEMO_USERS = [
  { email: "demo@edgeindex.dev", name: "Demo User", role: "user" as const },
  { email: "admin@edgeindex.dev", name: "Demo Admin", role: "admin" as const },
];
/** Years of daily history the seed writes. */
const SEED_YEARS = 3.5;

let seeding: Promise<SeedReport> | undefined;

/** Seeds once per isolate when the database has no assets; concurrent requests wait for the same run. */
export function ensureSeeded(env: Env, cfg: Config): Promise<SeedReport> {
  const run =
    seeding ??
    seedIfEmpty(env, cfg).catch((err) => {
      seeding = undefined;
      throw err;
    });
  seeding = run;
  return run;
}

export interface SeedReport {
  seeded: boolean;
  assets: number;
  bars: number;
  ms: number;
}

export async function seedIfEmpty(env: Env, cfg: Config, now = new Date()): Promise<SeedReport> {
  const started = Date.now();
  if ((await countAssets(env.DB)) > 0) return { seeded: false, assets: 0, bars: 0, ms: 0 };
  const provider = new SyntheticProvider({ seed: cfg.SYNTHETIC_SEED, tickMs: cfg.SYNTHETIC_TICK_MS });

  const universe = SYNTHETIC_UNIVERSE.map((a) => ({
    symbol: a.symbol,
    name: a.name,
    exchange: a.exchange,
    assetClass: a.asset_class,
    currency: a.currency,
    sector: a.sector,
    listedAt: a.listed_at,
  }));
  const rows = await insertAssetsIfAbsent(env.DB, universe);
  const idOf = new Map(rows.map((r) => [r.symbol, r.id]));

  const end = now.toISOString().slice(0, 10);
  const start = new Date(now.getTime() - SEED_YEARS * 365.25 * 86_400_000).toISOString().slice(0, 10);
  const symbols = rows.map((r) => r.symbol);
  const recordedAt = new Date(now.getTime() - 1000).toISOString();
  let bars = 0;
  for (let i = 0; i < symbols.length; i += 10) {
    const part = symbols.slice(i, i + 10);
    const result = await provider.dailyBars(part, start, end);
    const batch: BarRow[] = [];
    for (const [symbol, r] of result) {
      if (!r.ok) continue;
      for (const b of r.value) batch.push({ assetId: idOf.get(symbol)!, ...b });
    }
    bars += (await upsertBars(env.DB, batch, provider.name, recordedAt)).rows_inserted;
  }

  const caps = [];
  for (const symbol of symbols) {
    const cap = await provider.marketCap(symbol);
    if (cap) caps.push({ assetId: idOf.get(symbol)!, date: cap.date, marketCap: cap.market_cap });
  }
  await upsertMarketCaps(env.DB, caps, provider.name);

  const quotes = await provider.quotes(symbols);
  await upsertQuotes(
    env.DB,
    [...quotes].flatMap(([symbol, q]) =>
      q.ok
        ? [{ assetId: idOf.get(symbol)!, price: q.value.price, previousClose: q.value.previous_close, ts: q.value.ts }]
        : [],
    ),
    provider.name,
  );

  const passwordHash = await hashPassword(DEMO_PASSWORD, cfg.PASSWORD_ITERATIONS);
  await insertUsersIfAbsent(
    env.DB,
    DEMO_USERS.map((u) => ({ email: u.email, name: u.name, role: u.role, passwordHash })),
  );
  const demo = await findUserByEmail(env.DB, "demo@edgeindex.dev");
  if (demo) await createDemoIndex(env, demo.id);

  const report = { seeded: true, assets: symbols.length, bars, ms: Date.now() - started };
  console.log(JSON.stringify({ level: "info", msg: "seeded local database", ...report }));
  return report;
}
