// Custom-index rows: bulk writes of one version (values, allocations, rebalances) and the reads of the ready one.
// Writes use the price-store shape: one JSON parameter per statement expanded by json_each, so no
// statement comes near D1's 100-bound-parameter limit; statements go in atomic batch() calls.
import type { PriceHistory, PricePoint } from "../domain/price-matrix";
import { readAdjustedSeries, readAdjustedSeriesAsOf } from "./prices";

export interface VersionRows {
  values: Array<{ date: string; value: number; daily_return: number | null }>;
  allocations: Array<{ rebalance_date: string; asset_id: number; weight: number; shares: number }>;
  rebalances: Array<{
    date: string;
    weights_before: Record<string, number>;
    weights_after: Record<string, number>;
    turnover: number;
    joined?: string[];
    left?: string[];
    caps_relaxed?: boolean;
  }>;
}

/** Rows per statement for narrow rows (values, allocations). */
const ROWS_PER_STATEMENT = 2000;
/** Rebalances carry two weight maps each; a statement's JSON stays under ~900 kB (D1 values max 2 MB). */
const BYTES_PER_STATEMENT = 900_000;
/** Statements per batch() (one atomic transaction each). */
const STATEMENTS_PER_BATCH = 10;

const INSERT_VALUES = `INSERT INTO index_values (index_id, version, date, value, daily_return)
  SELECT ?1, ?2, json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]') FROM json_each(?3) WHERE true
  ON CONFLICT (index_id, version, date) DO UPDATE SET value = excluded.value, daily_return = excluded.daily_return`;

const INSERT_ALLOCATIONS = `INSERT INTO allocations (index_id, version, rebalance_date, asset_id, weight, shares)
  SELECT ?1, ?2, json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'), json_extract(value,'$[3]')
  FROM json_each(?3) WHERE true
  ON CONFLICT (index_id, version, rebalance_date, asset_id) DO UPDATE SET weight = excluded.weight, shares = excluded.shares`;

const INSERT_REBALANCES = `INSERT INTO rebalances (index_id, version, date, weights_before, weights_after, turnover,
    joined, "left", caps_relaxed)
  SELECT ?1, ?2, json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'), json_extract(value,'$[3]'),
    json_extract(value,'$[4]'), json_extract(value,'$[5]'), json_extract(value,'$[6]')
  FROM json_each(?3) WHERE true
  ON CONFLICT (index_id, version, date) DO UPDATE SET weights_before = excluded.weights_before,
    weights_after = excluded.weights_after, turnover = excluded.turnover, joined = excluded.joined,
    "left" = excluded."left", caps_relaxed = excluded.caps_relaxed`;

/**
 * Publishes `version` in the same transaction as its last rows. It never moves ready_version backwards, and
 * only marks the index ready when no newer version has been requested meanwhile.
 */
const PUBLISH = `UPDATE indexes SET ready_version = ?2,
    status = CASE WHEN version = ?2 THEN 'ready' ELSE status END,
    failure_reason = CASE WHEN version = ?2 THEN NULL ELSE failure_reason END,
    benchmark_used = ?3, built_at = ?4, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
  WHERE id = ?1 AND (ready_version IS NULL OR ready_version < ?2)`;

function chunkRows<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Statement JSON payloads grouped so each stays under BYTES_PER_STATEMENT. */
function chunkByBytes(encoded: string[]): string[] {
  const out: string[] = [];
  let part: string[] = [];
  let bytes = 0;
  for (const row of encoded) {
    if (part.length > 0 && bytes + row.length > BYTES_PER_STATEMENT) {
      out.push(`[${part.join(",")}]`);
      part = [];
      bytes = 0;
    }
    part.push(row);
    bytes += row.length + 1;
  }
  if (part.length > 0) out.push(`[${part.join(",")}]`);
  return out;
}

/**
 * Writes every row of (indexId, version), then publishes it in the final batch. Rows are upserts, so a
 * retried job rewrites the same version in place; readers keep reading the previous ready_version meanwhile.
 */
export async function writeVersion(
  db: D1Database,
  indexId: string,
  version: number,
  rows: VersionRows,
  publish: { benchmarkUsed: string | null; builtAt: string },
): Promise<{ statements: number; batches: number }> {
  const statements: D1PreparedStatement[] = [];
  for (const part of chunkRows(rows.values, ROWS_PER_STATEMENT)) {
    const json = JSON.stringify(part.map((v) => [v.date, v.value, v.daily_return]));
    statements.push(db.prepare(INSERT_VALUES).bind(indexId, version, json));
  }
  for (const part of chunkRows(rows.allocations, ROWS_PER_STATEMENT)) {
    const json = JSON.stringify(part.map((a) => [a.rebalance_date, a.asset_id, a.weight, a.shares]));
    statements.push(db.prepare(INSERT_ALLOCATIONS).bind(indexId, version, json));
  }
  const encoded = rows.rebalances.map((r) =>
    JSON.stringify([
      r.date,
      r.weights_before,
      r.weights_after,
      r.turnover,
      r.joined ?? [],
      r.left ?? [],
      r.caps_relaxed ? 1 : 0,
    ]),
  );
  for (const json of chunkByBytes(encoded)) statements.push(db.prepare(INSERT_REBALANCES).bind(indexId, version, json));
  statements.push(db.prepare(PUBLISH).bind(indexId, version, publish.benchmarkUsed, publish.builtAt));
  const batches = chunkRows(statements, STATEMENTS_PER_BATCH);
  for (const group of batches) await db.batch(group);
  return { statements: statements.length, batches: batches.length };
}

/** Marks the requested version failed; an older ready version stays readable. */
export async function markVersionFailed(
  db: D1Database,
  indexId: string,
  version: number,
  reason: string,
): Promise<void> {
  await db
    .prepare(
      `UPDATE indexes SET status = 'failed', failure_reason = ?3, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
       WHERE id = ?1 AND version = ?2`,
    )
    .bind(indexId, version, reason.slice(0, 1000))
    .run();
}

const dateIntern = new Map<string, string>();
/** One string per calendar date: 500 series × 2,500 days share 2,500 strings instead of 1.25 million. */
const intern = (d: string) => {
  let s = dateIntern.get(d);
  if (s === undefined) {
    if (dateIntern.size > 50_000) dateIntern.clear();
    s = d;
    dateIntern.set(d, s);
  }
  return s;
};

/** Rows of one grouped series as ascending points (SQLite feeds json_group_array in the subquery's order; checked anyway). */
function toPoints(dates: string[], closes: number[]): PricePoint[] {
  const points = dates.map((d, i) => ({ date: intern(d), close: closes[i] as number }));
  for (let i = 1; i < points.length; i++) {
    if ((points[i] as PricePoint).date <= (points[i - 1] as PricePoint).date)
      return points.sort((x, y) => (x.date < y.date ? -1 : 1));
  }
  return points;
}

/** Adjusted-close history of up to 50 assets (one query); with `asOf`, as it was known at that instant. */
export async function readHistoryPage(
  db: D1Database,
  assets: ReadonlyArray<{ id: number; symbol: string }>,
  start: string,
  end: string,
  asOf?: string,
): Promise<Record<string, PricePoint[]>> {
  const symbolOf = new Map(assets.map((a) => [a.id, a.symbol]));
  const out: Record<string, PricePoint[]> = {};
  for (const a of assets) out[a.symbol] = [];
  const ids = assets.map((a) => a.id);
  const series = asOf
    ? await readAdjustedSeriesAsOf(db, ids, start, end, asOf)
    : await readAdjustedSeries(db, ids, start, end);
  for (const s of series) out[symbolOf.get(s.asset_id) as string] = toPoints(s.dates, s.closes);
  return out;
}

/** Adjusted-close history per symbol, read 50 assets per query. */
export async function readPriceHistory(
  db: D1Database,
  assets: ReadonlyArray<{ id: number; symbol: string }>,
  start: string,
  end: string,
): Promise<PriceHistory> {
  const out: Record<string, PricePoint[]> = {};
  for (let i = 0; i < assets.length; i += 50)
    Object.assign(out, await readHistoryPage(db, assets.slice(i, i + 50), start, end));
  return out;
}

/** Every date on which any of the assets has a bar in [start, end] (current, or visible at `asOf`): the engine's calendar. */
export async function readCalendar(
  db: D1Database,
  assetIds: number[],
  start: string,
  end: string,
  asOf?: string,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT date FROM prices WHERE asset_id IN (SELECT value FROM json_each(?1))
       AND (CASE WHEN ?4 IS NULL THEN superseded_at IS NULL ELSE recorded_at <= ?4 AND (superseded_at IS NULL OR superseded_at > ?4) END)
       AND date >= ?2 AND date <= ?3 ORDER BY date`,
    )
    .bind(JSON.stringify(assetIds), start, end, asOf ?? null)
    .all<{ date: string }>();
  return results.map((r) => intern(r.date));
}

/** Market-cap observations per symbol, ascending, for market_cap weighting; with `asOf`, those stored by then. */
export async function readMarketCaps(
  db: D1Database,
  assets: ReadonlyArray<{ id: number; symbol: string }>,
  asOf?: string,
): Promise<Record<string, Array<{ date: string; value: number }>>> {
  const symbolOf = new Map(assets.map((a) => [a.id, a.symbol]));
  const out: Record<string, Array<{ date: string; value: number }>> = {};
  for (let i = 0; i < assets.length; i += 50) {
    const ids = JSON.stringify(assets.slice(i, i + 50).map((a) => a.id));
    const { results } = await db
      .prepare(
        `SELECT asset_id, date, market_cap FROM market_caps WHERE asset_id IN (SELECT value FROM json_each(?1))
         AND (?2 IS NULL OR created_at <= ?2) ORDER BY asset_id, date`,
      )
      .bind(ids, asOf ?? null)
      .all<{ asset_id: number; date: string; market_cap: number }>();
    for (const r of results) {
      const symbol = symbolOf.get(r.asset_id) as string;
      const list = out[symbol] ?? [];
      list.push({ date: r.date, value: r.market_cap });
      out[symbol] = list;
    }
  }
  return out;
}

export interface ValuesPage {
  start?: string;
  end?: string;
  after?: string;
  limit: number;
}

/** One page of levels of a version, ascending; fetches limit + 1 rows (see toPage). */
export async function readValues(db: D1Database, indexId: string, version: number, q: ValuesPage) {
  const { results } = await db
    .prepare(
      `SELECT date, value, daily_return FROM index_values
       WHERE index_id = ?1 AND version = ?2 AND (?3 IS NULL OR date >= ?3) AND (?4 IS NULL OR date <= ?4) AND (?5 IS NULL OR date > ?5)
       ORDER BY date LIMIT ?6`,
    )
    .bind(indexId, version, q.start ?? null, q.end ?? null, q.after ?? null, q.limit + 1)
    .all<{ date: string; value: number; daily_return: number | null }>();
  return results;
}

/** Every level of a version (for metrics and the benchmark comparison: ~252 rows a year). */
export async function readLevels(db: D1Database, indexId: string, version: number) {
  const { results } = await db
    .prepare("SELECT date, value FROM index_values WHERE index_id = ?1 AND version = ?2 ORDER BY date")
    .bind(indexId, version)
    .all<{ date: string; value: number }>();
  return results;
}

/** The allocation of the latest rebalance on or before `date` (latest overall without one). */
export async function readAllocationOn(db: D1Database, indexId: string, version: number, date: string | null) {
  const { results } = await db
    .prepare(
      `SELECT a.rebalance_date, s.symbol, a.weight, a.shares FROM allocations a JOIN assets s ON s.id = a.asset_id
       WHERE a.index_id = ?1 AND a.version = ?2 AND a.rebalance_date = (
         SELECT MAX(rebalance_date) FROM allocations WHERE index_id = ?1 AND version = ?2 AND (?3 IS NULL OR rebalance_date <= ?3))
       ORDER BY a.weight DESC, s.symbol`,
    )
    .bind(indexId, version, date)
    .all<{ rebalance_date: string; symbol: string; weight: number; shares: number | null }>();
  return results;
}

export async function readRebalances(
  db: D1Database,
  indexId: string,
  version: number,
  after: string | undefined,
  limit: number,
) {
  const { results } = await db
    .prepare(
      `SELECT date, weights_before, weights_after, turnover, joined, "left", caps_relaxed FROM rebalances
       WHERE index_id = ?1 AND version = ?2 AND (?3 IS NULL OR date > ?3) ORDER BY date LIMIT ?4`,
    )
    .bind(indexId, version, after ?? null, limit + 1)
    .all<{
      date: string;
      weights_before: string;
      weights_after: string;
      turnover: number;
      joined: string;
      left: string;
      caps_relaxed: number;
    }>();
  return results.map((r) => ({
    date: r.date,
    weights_before: JSON.parse(r.weights_before) as Record<string, number>,
    weights_after: JSON.parse(r.weights_after) as Record<string, number>,
    turnover: r.turnover,
    joined: JSON.parse(r.joined) as string[],
    left: JSON.parse(r.left) as string[],
    caps_relaxed: r.caps_relaxed === 1,
  }));
}
