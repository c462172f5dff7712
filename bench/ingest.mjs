// Ingest throughput (bars/s) into a local D1 through the real write path, `upsertBars` (src/db/prices.ts):
// 100 assets × 2,520 bars fresh, the same bars again (all unchanged), and again with 1% of values revised;
// baselines in the same run: one INSERT per bar (the naive path) and multi-row VALUES, on subsets; and the floor,
// raw SQLite (node:sqlite, the same migrations, one transaction, one prepared INSERT) writing the same bars.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { bundleModule, fmt, localPlatform } from "./lib.mjs";

const ASSETS = Number(process.env.BENCH_ASSETS ?? 100);
const DAYS = Number(process.env.BENCH_DAYS ?? 2520);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Assets per upsertBars call: the pipeline writes one provider chunk at a time. */
const PER_CALL = Number(process.env.BENCH_PER_CALL ?? 10);
/** Bars the naive baselines insert (they are slow). */
const NAIVE_BARS = Number(process.env.BENCH_NAIVE_BARS ?? 2520);
const GOAL = 150_000;
const ROOT = new URL("..", import.meta.url).pathname;

/**
 * The floor: the same bars into a file-backed SQLite with the repo's migrations applied (so the same table and
 * indexes), one transaction per run, one prepared INSERT bound per bar, nothing else. Runs grow the table as the
 * D1 runs do. node:sqlite ships with Node 22 (the project's node devDependency).
 */
async function rawSqliteFloor(dir, runs) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(path.join(dir, "floor.sqlite"));
  db.exec("PRAGMA journal_mode = WAL");
  const migrations = path.join(ROOT, "migrations");
  for (const f of readdirSync(migrations)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const stmt of readFileSync(path.join(migrations, f), "utf8").split("--> statement-breakpoint"))
      if (stmt.trim()) db.exec(stmt);
  }
  const names = Array.from({ length: ASSETS * runs }, (_, i) => `F${i}`);
  db.prepare(
    "INSERT INTO assets (symbol, name, exchange, asset_class) SELECT value, value, 'BENCH', 'equity' FROM json_each(?)",
  ).run(JSON.stringify(names));
  const ids = db
    .prepare("SELECT id FROM assets ORDER BY id")
    .all()
    .map((r) => r.id);
  const insert = db.prepare(`INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', ?)`);
  const dates = weekdays(DAYS);
  const out = [];
  for (let run = 0; run < runs; run++) {
    const rows = barsFor(ids.slice(run * ASSETS, (run + 1) * ASSETS), dates, 1000 + run);
    const t = performance.now();
    db.exec("BEGIN");
    for (const r of rows)
      insert.run(r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume, "2024-01-01T00:00:00Z");
    db.exec("COMMIT");
    out.push(rate(rows.length, performance.now() - t));
  }
  db.close();
  return out;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weekdays(count) {
  const out = [];
  const d = new Date("2014-01-02T00:00:00Z");
  while (out.length < count) {
    const w = d.getUTCDay();
    if (w !== 0 && w !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** Seeded random-walk bars for each asset id, in cents like a vendor's. */
function barsFor(assetIds, dates, seed) {
  const rand = mulberry32(seed);
  const rows = [];
  for (const assetId of assetIds) {
    let close = 50 + rand() * 200;
    for (const date of dates) {
      close = Math.max(1, close * Math.exp((rand() - 0.5) * 0.04));
      const c = Math.round(close * 100) / 100;
      rows.push({
        assetId,
        date,
        open: c,
        high: Math.round(c * 101) / 100,
        low: Math.round(c * 99) / 100,
        close: c,
        volume: Math.round(rand() * 1e7),
      });
    }
  }
  return rows;
}

const rate = (bars, ms) => (bars / ms) * 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

async function main() {
  const tmp = mkdtempSync(path.join(tmpdir(), "edgeindex-ingest-"));
  const { upsertBars } = await bundleModule("src/db/prices.ts", tmp, "prices");
  const { ROWS_PER_STATEMENT, STATEMENTS_PER_BATCH } = await bundleModule("src/db/batching.ts", tmp, "batching");
  const proxy = await localPlatform(path.join(tmp, "state"));
  const db = proxy.env.DB;

  const totalAssets = ASSETS * RUNS + 12;
  const names = Array.from({ length: totalAssets }, (_, i) => `B${i}`);
  for (let i = 0; i < names.length; i += 500) {
    await db
      .prepare(
        "INSERT INTO assets (symbol, name, exchange, asset_class) SELECT value, value, 'BENCH', 'equity' FROM json_each(?1)",
      )
      .bind(JSON.stringify(names.slice(i, i + 500)))
      .run();
  }
  const { results: idRows } = await db.prepare("SELECT id FROM assets ORDER BY id").all();
  const ids = idRows.map((r) => r.id);
  const dates = weekdays(DAYS);

  const write = async (rows, recordedAt) => {
    const stats = { rows_inserted: 0, rows_revised: 0, rows_unchanged: 0 };
    // One call per provider-sized chunk of assets, as the refresh pipeline writes.
    for (let i = 0; i < rows.length; i += PER_CALL * DAYS) {
      const s = await upsertBars(db, rows.slice(i, i + PER_CALL * DAYS), "bench", recordedAt);
      for (const k of Object.keys(stats)) stats[k] += s[k];
    }
    return stats;
  };

  // Each write gets its own later recorded_at, as successive refresh runs do.
  let clock = Date.parse("2024-01-01T00:00:00Z");
  const nextInstant = () => {
    clock += 60_000;
    return new Date(clock).toISOString();
  };

  // Baselines, on the same kind of bars: one INSERT statement per bar (awaited one by one, then 500 per batch()),
  // and the best shape without JSON: multi-row VALUES at D1's 100-parameter limit (11 rows × 9 parameters).
  const naiveSql = `INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'bench', ?8)`;
  const baselines = async () => {
    const spare = ids.slice(ASSETS * RUNS);
    const perRowBars = barsFor([spare[0]], dates, 9).slice(0, NAIVE_BARS);
    const perRow = await timed(async () => {
      const at = nextInstant();
      for (const r of perRowBars)
        await db.prepare(naiveSql).bind(r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume, at).run();
    });
    const batchedBars = barsFor([spare[1]], dates, 10).slice(0, NAIVE_BARS);
    const batched = await timed(async () => {
      const at = nextInstant();
      for (let i = 0; i < batchedBars.length; i += 500) {
        await db.batch(
          batchedBars
            .slice(i, i + 500)
            .map((r) => db.prepare(naiveSql).bind(r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume, at)),
        );
      }
    });
    const multiBars = barsFor(spare.slice(2, 12), dates, 11);
    const multi = await timed(async () => {
      const at = nextInstant();
      const statements = [];
      for (let i = 0; i < multiBars.length; i += 11) {
        const part = multiBars.slice(i, i + 11);
        const values = part.map(() => "(?, ?, ?, ?, ?, ?, ?, 'bench', ?)").join(", ");
        const params = part.flatMap((r) => [r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume, at]);
        statements.push(
          db
            .prepare(
              `INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at) VALUES ${values}`,
            )
            .bind(...params),
        );
      }
      for (let i = 0; i < statements.length; i += 100) await db.batch(statements.slice(i, i + 100));
    });
    return {
      perRow: rate(perRowBars.length, perRow.ms),
      perRowBars: perRowBars.length,
      batched: rate(batchedBars.length, batched.ms),
      batchedBars: batchedBars.length,
      multi: rate(multiBars.length, multi.ms),
      multiBars: multiBars.length,
    };
  };
  let base;
  const fresh = [];
  const unchanged = [];
  const revised = [];
  for (let run = 0; run < RUNS; run++) {
    const set = ids.slice(run * ASSETS, (run + 1) * ASSETS);
    const rows = barsFor(set, dates, 1000 + run);
    const a = await timed(() => write(rows, nextInstant()));
    if (a.value.rows_inserted !== rows.length)
      throw new Error(`fresh run inserted ${a.value.rows_inserted} of ${rows.length}`);
    fresh.push(rate(rows.length, a.ms));

    const b = await timed(() => write(rows, nextInstant()));
    if (b.value.rows_unchanged !== rows.length)
      throw new Error(`unchanged run left ${b.value.rows_unchanged} of ${rows.length} unchanged`);
    unchanged.push(rate(rows.length, b.ms));

    const rand = mulberry32(77 + run);
    let changed = 0;
    const edited = rows.map((r) => {
      if (rand() >= 0.01) return r;
      changed++;
      const close = Math.round((r.close + 0.01) * 100) / 100;
      return { ...r, close, high: Math.max(r.high, close) };
    });
    const c = await timed(() => write(edited, nextInstant()));
    if (c.value.rows_revised !== changed) throw new Error(`revised run revised ${c.value.rows_revised} of ${changed}`);
    revised.push(rate(rows.length, c.ms));
    // Measured once, while the table holds one run's bars, so both paths write into a table of similar size.
    if (run === 0) base = await baselines();
  }

  const total = await db.prepare("SELECT COUNT(*) AS n FROM prices").first();
  await proxy.dispose();
  const floor = await rawSqliteFloor(tmp, RUNS);
  rmSync(tmp, { recursive: true, force: true });

  const bars = ASSETS * DAYS;
  console.log(
    `ingest: ${ASSETS} assets × ${DAYS} bars = ${bars.toLocaleString()} bars per run, ${RUNS} runs, ${PER_CALL} assets per upsertBars call`,
  );
  console.log(
    `  statement shape: ${ROWS_PER_STATEMENT} rows per statement (one JSON parameter via json_each), ${STATEMENTS_PER_BATCH} statement pairs per batch()`,
  );
  const line = (label, xs) =>
    console.log(
      `  ${label.padEnd(34)} median ${fmt(median(xs), 0).padStart(9)} bars/s  (runs: ${xs.map((x) => fmt(x, 0)).join(", ")})`,
    );
  line("upsertBars fresh (all inserted)", fresh);
  line("upsertBars rerun (all unchanged)", unchanged);
  line("upsertBars with 1% revised", revised);
  const once = (label, value, n) =>
    console.log(`  ${label.padEnd(34)}        ${fmt(value, 0).padStart(9)} bars/s  (${n.toLocaleString()} bars)`);
  once("baseline: INSERT per bar, awaited", base.perRow, base.perRowBars);
  once("baseline: INSERT per bar, batch()", base.batched, base.batchedBars);
  once("baseline: 11-row VALUES, batch()", base.multi, base.multiBars);
  const vs = (x) => `${fmt(median(fresh) / x, 1)}×`;
  console.log(
    `  fresh upsertBars vs baselines: ${vs(base.perRow)} per-bar awaited, ${vs(base.batched)} per-bar batched, ${vs(base.multi)} 11-row VALUES`,
  );
  line("floor: raw node:sqlite, 1 tx, 1 stmt", floor);
  console.log(
    `  fresh upsertBars ÷ raw SQLite floor: ×${fmt(median(fresh) / median(floor), 2)} (same bars, same schema and indexes, same run)`,
  );
  console.log(
    `  goal ≥ ${GOAL.toLocaleString()} bars/s fresh: ${median(fresh) >= GOAL ? "met" : "NOT met"} (${fmt(median(fresh), 0)}); rows in prices at the end: ${total.n.toLocaleString()}; load average ${loadavg()
      .map((l) => fmt(l))
      .join(" / ")} on ${availableParallelism()} CPUs`,
  );
}

await main();
