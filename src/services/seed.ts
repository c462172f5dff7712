// Local-development seeding on an empty database: synthetic assets, 3+ years of bars, corporate actions,
// market-cap history, quotes, the demo user and admin. Market data goes through the refresh pipeline itself.
import type { Config } from "../config";
import { countAssets, insertAssetsIfAbsent } from "../db/assets";
import { findUserByEmail, insertUsersIfAbsent } from "../db/identity";
import { changeRole } from "../db/role-grants";
import { SYNTHETIC_UNIVERSE, SyntheticProvider } from "../providers/synthetic";
import { createDemoIndex } from "./index-builds";
import { hashPassword } from "./passwords";
import { runRefresh } from "./refresh";

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
  corporate_actions?: number;
  market_caps?: number;
  ms: number;
}

export async function seedIfEmpty(env: Env, cfg: Config, now = new Date()): Promise<SeedReport> {
  const started = Date.now();
  if ((await countAssets(env.DB)) > 0) return { seeded: false, assets: 0, bars: 0, ms: 0 };
  const provider = new SyntheticProvider({
    seed: cfg.SYNTHETIC_SEED,
    tickMs: cfg.SYNTHETIC_TICK_MS,
    now: () => now.getTime(),
  });

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

  const end = now.toISOString().slice(0, 10);
  const start = new Date(now.getTime() - SEED_YEARS * 365.25 * 86_400_000).toISOString().slice(0, 10);
  const symbols = rows.map((r) => r.symbol);
  // The refresh pipeline's own path: screened bars, splits and dividends, the daily market-cap history,
  // adjustment factors, then quotes, exactly as a backfill job would store them from a vendor.
  const deps = { provider, cfg, now: () => now, publishQuotes: async () => {} };
  const history = await runRefresh(env, { kind: "refresh", job_id: "seed", mode: "backfill", start, end }, deps);
  await runRefresh(env, { kind: "refresh", job_id: "seed", mode: "quotes" }, deps);
  const bars = history.stats.rows_inserted;

  const passwordHash = await hashPassword(DEMO_PASSWORD, cfg.PASSWORD_ITERATIONS);
  await insertUsersIfAbsent(
    env.DB,
    DEMO_USERS.map((u) => ({ email: u.email, name: u.name, role: "user" as const, passwordHash })),
  );
  // The admin is made the way an operator makes one (`npm run admin -- grant`): same statements, same audit row.
  for (const u of DEMO_USERS) if (u.role === "admin") await changeRole(env.DB, u.email, "admin", "seed");
  const demo = await findUserByEmail(env.DB, "demo@edgeindex.dev");
  if (demo) await createDemoIndex(env, demo.id);

  const report = {
    seeded: true,
    assets: symbols.length,
    bars,
    corporate_actions: history.stats.corporate_actions_changed,
    market_caps: history.stats.market_caps_updated,
    ms: Date.now() - started,
  };
  console.log(JSON.stringify({ level: "info", msg: "seeded local database", ...report }));
  return report;
}
