// The ingest bench's naive shapes (BENCH_BASELINES=1), through getPlatformProxy into a table already holding one
// run's bars: one INSERT per bar awaited one by one, the same 500 per batch(), and the best shape without JSON,
// multi-row VALUES at D1's 100-parameter limit (11 rows × 9 parameters). Slow, hence opt-in.
import path from "node:path";
import { fmt, localPlatform } from "../lib.mjs";
import { barsFor, weekdays } from "./bars.mjs";

const NAIVE_BARS = Number(process.env.BENCH_NAIVE_BARS ?? 2520);
const DAYS = Number(process.env.BENCH_DAYS ?? 2520);

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function baselines(tmp) {
  const proxy = await localPlatform(path.join(tmp, "baseline-state"));
  try {
    const db = proxy.env.DB;
    const names = JSON.stringify(Array.from({ length: 12 }, (_, i) => `N${i}`));
    await db
      .prepare(
        "INSERT INTO assets (symbol, name, exchange, asset_class) SELECT value, value, 'BENCH', 'equity' FROM json_each(?1)",
      )
      .bind(names)
      .run();
    const { results } = await db.prepare("SELECT id FROM assets ORDER BY id").all();
    const ids = results.map((r) => r.id);
    const dates = weekdays(DAYS);
    const at = "2030-01-01T00:00:00.000Z";
    const naiveSql = `INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'bench', ?8)`;
    const bind = (r) => db.prepare(naiveSql).bind(r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume, at);
    const perRowBars = barsFor([ids[0]], dates, 9).slice(0, NAIVE_BARS);
    const perRow = await timed(async () => {
      for (const r of perRowBars) await bind(r).run();
    });
    const batchedBars = barsFor([ids[1]], dates, 10).slice(0, NAIVE_BARS);
    const batched = await timed(async () => {
      for (let i = 0; i < batchedBars.length; i += 500) await db.batch(batchedBars.slice(i, i + 500).map(bind));
    });
    const multiBars = barsFor(ids.slice(2, 12), dates, 11);
    const multi = await timed(async () => {
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
    const once = (label, ms, n) =>
      console.log(
        `  ${label.padEnd(40)}        ${fmt((n / ms) * 1000, 0).padStart(9)} bars/s  (${n.toLocaleString()} bars)`,
      );
    once("baseline: INSERT per bar, awaited", perRow, perRowBars.length);
    once("baseline: INSERT per bar, batch()", batched, batchedBars.length);
    once("baseline: 11-row VALUES, batch()", multi, multiBars.length);
  } finally {
    await proxy.dispose();
  }
}
