// Simulation peak memory: a 500-name, 20-year backtest run as the `simulation` job runs it (paged build path,
// backtest, metrics, stored result) against a local D1 through wrangler's getPlatformProxy, the job code bundled
// by esbuild. Goal: ≤ 64 MB above idle (a Worker isolate has 128 MB). Baseline in the same run: the price history
// alone as the job would hold it unpaged (every bar of every name as JS objects).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bundleModule, fmt, heapProbe, localPlatform, mb, seededWalk, weekdays } from "./lib.mjs";

const SYMBOLS = Number(process.env.BENCH_SYMBOLS ?? 500);
const YEARS = Number(process.env.BENCH_YEARS ?? 20);
const DAYS = Math.round(YEARS * 252);
/** `BENCH_SLIPPAGE_MODEL=volume_participation` adds the volume matrix; `BENCH_DIVIDENDS` = cash | reinvest | ignore. */
const SLIPPAGE_MODEL = process.env.BENCH_SLIPPAGE_MODEL ?? "bps";
const DIVIDENDS = process.env.BENCH_DIVIDENDS ?? "cash";
const { gc, heapUsed: heap } = heapProbe();

const tmp = mkdtempSync(path.join(tmpdir(), "edgeindex-bench-sim-"));
const persist = process.env.BENCH_STATE ?? path.join(tmp, "state");
const proxy = await localPlatform(persist);
try {
  const symbols = Array.from({ length: SYMBOLS }, (_, i) => `S${String(i).padStart(3, "0")}`);
  const dates = weekdays(DAYS);
  const prices = await bundleModule("src/db/prices.ts", tmp, "prices");
  const sims = await bundleModule("src/db/simulations.ts", tmp, "simulations-db");
  const job = await bundleModule("src/services/simulations.ts", tmp, "simulations");
  const defs = await bundleModule("src/services/index-definitions.ts", tmp, "index-definitions");
  const schemas = await bundleModule("src/schemas/indexes.ts", tmp, "index-schemas");
  const env = {
    ...proxy.env,
    JWT_SECRET: "bench-secret-0123456789abcdef0123456789",
    ENVIRONMENT: "development",
  };
  const db = env.DB;

  const loaded = await db.prepare("SELECT COUNT(*) AS n FROM assets").first();
  let loadMs = 0;
  if (loaded.n === 0) {
    const t0 = performance.now();
    await db.batch(
      symbols.map((s) =>
        db
          .prepare("INSERT INTO assets (symbol, name, exchange, asset_class) VALUES (?1, ?1, 'BENCH', 'equity')")
          .bind(s),
      ),
    );
    await db
      .prepare("INSERT INTO users (id, email, password_hash) VALUES ('usr_bench', 'bench@example.com', 'x')")
      .run();
    const { results } = await db.prepare("SELECT id, symbol FROM assets").all();
    const idOf = new Map(results.map((r) => [r.symbol, r.id]));
    for (let i = 0; i < symbols.length; i += 10) {
      const rows = symbols.slice(i, i + 10).flatMap((s, k) =>
        seededWalk(i + k, dates).points.map((p) => ({
          assetId: idOf.get(s),
          date: p.date,
          open: p.close,
          high: p.close,
          low: p.close,
          close: p.close,
          volume: 1000,
        })),
      );
      await prices.upsertBars(db, rows, "bench", "2020-01-01T00:00:00.000Z");
    }
    loadMs = performance.now() - t0;
  }

  // Baseline: the whole history as one unpaged read would hold it.
  gc();
  const before = heap();
  const all = symbols.map((_, i) =>
    seededWalk(i, dates).points.map((p) => ({ ...p, open: p.close, high: p.close, low: p.close })),
  );
  gc();
  const unpaged = heap() - before;
  const unpagedBars = all.reduce((n, series) => n + series.length, 0);
  all.length = 0;

  const definition = await defs.validateDefinition(
    db,
    schemas.IndexDefinitionBody.parse({
      name: "bench",
      constituents: symbols,
      weighting: "equal",
      max_weight: 0.05,
      rebalance: "monthly",
      base_date: dates[0],
      base_value: 1000,
    }),
  );
  const id = `sim_bench${Date.now().toString(36)}`;
  await sims.insertSimulation(db, {
    id,
    ownerId: "usr_bench",
    request: {
      start: dates[0],
      end: dates.at(-1),
      initial_capital: 1_000_000,
      fee_bps: 5,
      slippage_bps: 5,
      index_id: null,
      definition,
      dividends: DIVIDENDS,
      contributions: [{ date: dates[Math.floor(DAYS / 2)], amount: 100_000 }],
      slippage_model: SLIPPAGE_MODEL,
    },
  });

  // heapUsed sampled every 2 ms counts garbage not yet collected; a forced GC every 20 ms shows what is live.
  gc();
  const idle = heap();
  let peak = idle;
  let live = idle;
  const fast = setInterval(() => {
    peak = Math.max(peak, heap());
  }, 2);
  const slow = setInterval(() => {
    gc();
    live = Math.max(live, heap());
  }, 20);
  const t1 = performance.now();
  const status = await job.simulationJob(env, { simulation_id: id });
  const ms = performance.now() - t1;
  clearInterval(fast);
  clearInterval(slow);
  if (status !== "succeeded") {
    const row = await db.prepare("SELECT status, error FROM simulations WHERE id = ?").bind(id).first();
    throw new Error(`simulation ${status}: ${JSON.stringify(row)}`);
  }
  const loadNote = loadMs ? `${fmt(loadMs / 1000, 1)} s to load ${SYMBOLS * DAYS} bars first` : "bars already loaded";
  console.log(
    `simulation — ${SYMBOLS} names × ${DAYS} sessions (${YEARS} years), equal weight, monthly, slippage_model ${SLIPPAGE_MODEL}, dividends ${DIVIDENDS}, one contribution (${loadNote})`,
  );
  console.log(`    job: ${fmt(ms / 1000, 1)} s`);
  console.log(
    `    Node heap above idle (${mb(idle)}): live peak ${mb(live - idle)} (forced GC every 20 ms); heapUsed peak incl. garbage ${mb(peak - idle)} (goal ≤ 64 MB)`,
  );
  console.log(`    baseline: the same history held unpaged as ${unpagedBars} bar objects: ${mb(unpaged)}`);
} finally {
  await proxy.dispose();
  if (!process.env.BENCH_STATE) rmSync(tmp, { recursive: true, force: true });
}
