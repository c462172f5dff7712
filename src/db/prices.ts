// Daily bars (the prices aggregate): current or as-of reads with adj_close from the adjustment-factor table,
// every revision of a day, the adjusted history the index engine reads, and the idempotent bulk write.
// Write shape: one bound parameter holding a JSON array of rows, expanded by json_each, so a statement carries
// thousands of rows while staying far inside D1's 100-bound-parameter limit; chunks go in atomic batch() calls.
import { applySegments, type FactorSegment, segmentsOfActions } from "../domain/adjustment-factors";
import type { Bar } from "../domain/bar";
import { type PriceHistory, type PricePoint, withDates } from "../domain/price-matrix";
import { slices } from "../domain/slices";
import { ROWS_PER_STATEMENT, STATEMENTS_PER_BATCH } from "./batching";
import { type AssetAction, byAsset } from "./market-events";

export interface BarView {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adj_close: number;
  volume: number;
}

export interface BarQuery {
  assetId: number;
  start?: string;
  end?: string;
  order: "asc" | "desc";
  /** Keyset position: the last date of the previous page. */
  after?: string;
  asOf?: string;
  limit: number;
  /** raw: stored OHLCV plus adj_close; split: prices ÷ later splits, volume × them; all: splits and dividends. */
  adjustment?: Adjustment;
}

export type Adjustment = "raw" | "split" | "all";

const ADJ = `p.close * COALESCE((SELECT f.factor FROM adjustment_factors f
  WHERE f.asset_id = p.asset_id AND f.from_date <= p.date AND p.date < f.to_date), 1)`;

/** The factor segment covering a bar (none: the bar needs no adjustment). */
const SEGMENT = `LEFT JOIN adjustment_factors f ON f.asset_id = p.asset_id AND f.from_date <= p.date AND p.date < f.to_date`;

interface StoredBar extends Omit<BarView, "adj_close"> {
  factor: number | null;
  split_factor: number | null;
}

/**
 * A stored bar on the asked scale. The split factor is the product of 1/ratio over later splits, so a
 * split-adjusted price is raw × split factor and split-adjusted volume is raw ÷ split factor (the shares
 * traded, counted in today's shares).
 */
function onScale(r: StoredBar, adjustment: Adjustment): BarView {
  const factor = r.factor ?? 1;
  const adj_close = scaled(r.close * factor);
  if (adjustment === "raw") {
    return { date: r.date, open: r.open, high: r.high, low: r.low, close: r.close, adj_close, volume: r.volume };
  }
  const k = adjustment === "all" ? factor : (r.split_factor ?? 1);
  return {
    date: r.date,
    open: scaled(r.open * k),
    high: scaled(r.high * k),
    low: scaled(r.low * k),
    close: adjustment === "all" ? adj_close : scaled(r.close * k),
    adj_close,
    volume: scaled(r.volume / (r.split_factor ?? 1)),
  };
}

/**
 * A rescaled figure to 15 significant digits: 1,137.13 ÷ 10 reads 113.713, not 113.71300000000002 (the binary
 * floating-point tail lives in the 16th and 17th), and nothing moves by more than 5 × 10⁻¹⁵ of itself, so what is
 * recomputed from these figures agrees with the server's own arithmetic.
 */
const scaled = (x: number) => Number(x.toPrecision(15));

/** The revision visible at `asOf`: recorded by then and not yet superseded by then. */
const VISIBLE = (asOf: boolean) =>
  asOf ? "p.recorded_at <= ?5 AND (p.superseded_at IS NULL OR p.superseded_at > ?5)" : "p.superseded_at IS NULL";

export async function readBars(db: D1Database, q: BarQuery): Promise<BarView[]> {
  const cmp = q.order === "asc" ? ">" : "<";
  const sql = `SELECT p.date, p.open, p.high, p.low, p.close, p.volume, f.factor, f.split_factor
    FROM prices p ${SEGMENT}
    WHERE p.asset_id = ?1 AND ${VISIBLE(q.asOf !== undefined)}
      AND (?2 IS NULL OR p.date >= ?2) AND (?3 IS NULL OR p.date <= ?3)
      AND (?4 IS NULL OR p.date ${cmp} ?4)
    ORDER BY p.date ${q.order === "asc" ? "ASC" : "DESC"} LIMIT ?6`;
  const { results } = await db
    .prepare(sql)
    .bind(q.assetId, q.start ?? null, q.end ?? null, q.after ?? null, q.asOf ?? null, q.limit + 1)
    .all<StoredBar>();
  return results.map((r) => onScale(r, q.adjustment ?? "raw"));
}

/** Adjusted closes for many assets over a range, in bounded pages (the index builder's read). */
export async function readAdjustedCloses(
  db: D1Database,
  assetIds: number[],
  start: string,
  end: string,
): Promise<Array<{ asset_id: number; date: string; close: number; adj_close: number }>> {
  const out: Array<{ asset_id: number; date: string; close: number; adj_close: number }> = [];
  for (let i = 0; i < assetIds.length; i += 50) {
    const ids = JSON.stringify(assetIds.slice(i, i + 50));
    const { results } = await db
      .prepare(
        `SELECT p.asset_id, p.date, p.close, ${ADJ} AS adj_close FROM prices p
         WHERE p.asset_id IN (SELECT value FROM json_each(?1)) AND p.superseded_at IS NULL AND p.date >= ?2 AND p.date <= ?3
         ORDER BY p.asset_id, p.date`,
      )
      .bind(ids, start, end)
      .all<{ asset_id: number; date: string; close: number; adj_close: number }>();
    for (const r of results) out.push(r); // a spread of 100k+ rows overflows the call stack
  }
  return out;
}

/**
 * Adjusted closes per asset as two parallel JSON arrays (dates, closes), ascending: one row per asset
 * instead of one per bar, which is ~10× faster to move out of D1 for long histories. `assetIds` ≤ 50.
 */
export async function readAdjustedSeries(
  db: D1Database,
  assetIds: number[],
  start: string,
  end: string,
  shared?: SharedDates,
): Promise<Array<{ asset_id: number; dates: string[]; closes: number[] }>> {
  const { results } = await db
    .prepare(
      `SELECT asset_id, json_group_array(date) AS dates, json_group_array(adj_close) AS closes FROM (
         SELECT p.asset_id, p.date, ${ADJ} AS adj_close FROM prices p
         WHERE p.asset_id IN (SELECT value FROM json_each(?1)) AND p.superseded_at IS NULL AND p.date >= ?2 AND p.date <= ?3
         ORDER BY p.asset_id, p.date)
       GROUP BY asset_id`,
    )
    .bind(JSON.stringify(assetIds), start, end)
    .all<{ asset_id: number; dates: string; closes: string }>();
  return results.map((r) => ({
    asset_id: r.asset_id,
    dates: datesOf(r.dates, shared),
    closes: JSON.parse(r.closes),
  }));
}

/**
 * Parsed date lists kept for one build, keyed by their JSON text: assets that traded on the same days (most of a
 * universe) share one array of interned dates, parsed once. At most SHARED_DATE_LISTS lists are kept.
 */
export type SharedDates = Map<string, string[]>;
const SHARED_DATE_LISTS = 64;

function datesOf(json: string, shared: SharedDates | undefined): string[] {
  const known = shared?.get(json);
  if (known) return known;
  const dates = (JSON.parse(json) as string[]).map(intern);
  if (shared && shared.size < SHARED_DATE_LISTS) shared.set(json, dates);
  return dates;
}

/** The bar revision visible at `asOf` (bound as ?4 below). */
const VISIBLE_AT = "p.recorded_at <= ?4 AND (p.superseded_at IS NULL OR p.superseded_at > ?4)";

/** The corporate actions of a page of assets (?1) stored by ?4, each with the raw close before it visible then. */
const ACTIONS_AS_OF = `SELECT ca.asset_id, ca.kind, ca.date, ca.ratio, ca.amount,
    (SELECT p.close FROM prices p WHERE p.asset_id = ca.asset_id AND p.date < ca.date AND ${VISIBLE_AT}
     ORDER BY p.date DESC LIMIT 1) AS previous_close
  FROM corporate_actions ca WHERE ca.asset_id IN (SELECT value FROM json_each(?1)) AND ca.created_at <= ?4
  ORDER BY ca.asset_id, ca.date`;

/**
 * Adjusted closes as they were known at `asOf`: the bar revisions visible then, adjusted by the corporate
 * actions stored by then (factors derived again, not read from the current factor table), so a build read
 * at the same instant later gets the same numbers. `assetIds` ≤ 50.
 */
export async function readAdjustedSeriesAsOf(
  db: D1Database,
  assetIds: number[],
  start: string,
  end: string,
  asOf: string,
  shared?: SharedDates,
): Promise<Array<{ asset_id: number; dates: string[]; closes: number[] }>> {
  const ids = JSON.stringify(assetIds);
  const [bars, actions] = await db.batch([
    db
      .prepare(
        `SELECT asset_id, json_group_array(date) AS dates, json_group_array(close) AS closes FROM (
           SELECT p.asset_id, p.date, p.close FROM prices p
           WHERE p.asset_id IN (SELECT value FROM json_each(?1)) AND ${VISIBLE_AT} AND p.date >= ?2 AND p.date <= ?3
           ORDER BY p.asset_id, p.date)
         GROUP BY asset_id`,
      )
      .bind(ids, start, end, asOf),
    db.prepare(ACTIONS_AS_OF).bind(ids, start, end, asOf),
  ]);
  const actionsOf = byAsset((actions?.results ?? []) as unknown as AssetAction[]);
  return ((bars?.results ?? []) as unknown as Array<{ asset_id: number; dates: string; closes: string }>).map((r) => {
    const dates = datesOf(r.dates, shared);
    const list = actionsOf.get(r.asset_id) ?? [];
    const segments = segmentsOfActions(list);
    return { asset_id: r.asset_id, dates, closes: applySegments(dates, JSON.parse(r.closes) as number[], segments) };
  });
}

/**
 * The factor segments the adjusted closes of up to 50 assets are made with: with `asOf`, derived again from the
 * corporate actions stored by then (as `readAdjustedSeriesAsOf` does), else the `adjustment_factors` table (as
 * `readAdjustedSeries` does). An asset that nothing adjusts has no entry. Quoted close = adjusted ÷ factor.
 */
export async function readFactorSegments(
  db: D1Database,
  assetIds: number[],
  asOf?: string,
): Promise<Map<number, FactorSegment[]>> {
  const ids = JSON.stringify(assetIds);
  const out = new Map<number, FactorSegment[]>();
  if (asOf) {
    const { results } = await db.prepare(ACTIONS_AS_OF).bind(ids, null, null, asOf).all<AssetAction>();
    for (const [assetId, list] of byAsset(results)) {
      const segments = segmentsOfActions(list);
      if (segments.length > 0) out.set(assetId, segments);
    }
    return out;
  }
  const { results } = await db
    .prepare(
      `SELECT asset_id, from_date, to_date, factor, split_factor FROM adjustment_factors
       WHERE asset_id IN (SELECT value FROM json_each(?1)) ORDER BY asset_id, from_date`,
    )
    .bind(ids)
    .all<FactorSegment & { asset_id: number }>();
  for (const [assetId, rows] of byAsset(results))
    out.set(
      assetId,
      rows.map(({ from_date, to_date, factor, split_factor }) => ({ from_date, to_date, factor, split_factor })),
    );
  return out;
}

export interface RevisionView extends Bar {
  recorded_at: string;
  superseded_at: string | null;
  source: string;
}

/** Every stored version of one day's bar, oldest first. */
export async function readRevisions(db: D1Database, assetId: number, date: string): Promise<RevisionView[]> {
  const { results } = await db
    .prepare(
      `SELECT date, open, high, low, close, volume, recorded_at, superseded_at, source FROM prices
       WHERE asset_id = ?1 AND date = ?2 ORDER BY recorded_at, id`,
    )
    .bind(assetId, date)
    .all<RevisionView>();
  return results;
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

/** One asset's adjusted closes as two parallel columns, ascending by date (`dates` may be shared with other assets). */
export interface SeriesColumns {
  dates: readonly string[];
  closes: readonly number[];
}

/** Checked once per shared date list: SQLite feeds json_group_array in the subquery's order, checked anyway. */
const ascendingLists = new WeakSet<readonly string[]>();
function ascending(dates: readonly string[]): boolean {
  if (ascendingLists.has(dates)) return true;
  for (let i = 1; i < dates.length; i++) if ((dates[i] as string) <= (dates[i - 1] as string)) return false;
  ascendingLists.add(dates);
  return true;
}

/**
 * Adjusted-close series of up to 50 assets (one query) as columns; with `asOf`, as known at that instant. An asset
 * without bars is an empty series. `shared` lets assets with the same dates share one list across pages.
 */
export async function readSeriesPage(
  db: D1Database,
  assets: ReadonlyArray<{ id: number; symbol: string }>,
  start: string,
  end: string,
  asOf: string | undefined,
  shared?: SharedDates,
): Promise<Record<string, SeriesColumns>> {
  const symbolOf = new Map(assets.map((a) => [a.id, a.symbol]));
  const out: Record<string, SeriesColumns> = {};
  for (const a of assets) out[a.symbol] = { dates: [], closes: [] };
  const ids = assets.map((a) => a.id);
  const series = asOf
    ? await readAdjustedSeriesAsOf(db, ids, start, end, asOf, shared)
    : await readAdjustedSeries(db, ids, start, end, shared);
  for (const s of series) {
    const symbol = symbolOf.get(s.asset_id) as string;
    if (ascending(s.dates)) out[symbol] = { dates: s.dates, closes: s.closes };
    else {
      const points = toPoints(s.dates, s.closes);
      out[symbol] = { dates: points.map((p) => p.date), closes: points.map((p) => p.close) };
    }
  }
  return out;
}

/** Adjusted-close history of up to 50 assets (one query) as points; with `asOf`, as it was known at that instant. */
export async function readHistoryPage(
  db: D1Database,
  assets: ReadonlyArray<{ id: number; symbol: string }>,
  start: string,
  end: string,
  asOf?: string,
): Promise<Record<string, PricePoint[]>> {
  const page = await readSeriesPage(db, assets, start, end, asOf);
  const out: Record<string, PricePoint[]> = {};
  for (const [symbol, { dates, closes }] of Object.entries(page))
    out[symbol] = dates.map((date, i) => ({ date, close: closes[i] as number }));
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

/** One JSON date list per asset of a page (?1), its bars in [?2, ?3]: current ones, or those visible at ?4. */
const dateListsOf = (visible: string) =>
  `SELECT json_group_array(date) AS dates FROM (
     SELECT p.asset_id, p.date FROM prices p
     WHERE p.asset_id IN (SELECT value FROM json_each(?1)) AND ${visible} AND p.date >= ?2 AND p.date <= ?3
     ORDER BY p.asset_id, p.date)
   GROUP BY asset_id`;
const CURRENT_DATE_LISTS = dateListsOf("p.superseded_at IS NULL");
const DATE_LISTS_AS_OF = dateListsOf(VISIBLE_AT);

/**
 * Every date on which any of the assets has a bar in [start, end] (current, or visible at `asOf`): the engine's
 * calendar. Read as one date list per asset, 50 assets per query, and merged here (assets that traded on the same
 * days share one parsed list, which adds nothing to the calendar the second time): one `SELECT DISTINCT date` over
 * every bar sorted them all in a temporary B-tree, about twice as slow for 500 names (bench/RESULTS.md, stop 15).
 */
export async function readCalendar(
  db: D1Database,
  assetIds: number[],
  start: string,
  end: string,
  asOf?: string,
): Promise<string[]> {
  const shared: SharedDates = new Map();
  let calendar: string[] = [];
  for (const page of slices(assetIds, 50)) {
    const ids = JSON.stringify(page);
    const statement = asOf
      ? db.prepare(DATE_LISTS_AS_OF).bind(ids, start, end, asOf)
      : db.prepare(CURRENT_DATE_LISTS).bind(ids, start, end);
    const { results } = await statement.all<{ dates: string }>();
    for (const r of results) {
      const dates = datesOf(r.dates, shared);
      // A list out of order (or with a date twice) would break the merge: sorted and made unique first.
      calendar = withDates(calendar, ascending(dates) ? dates : [...new Set(dates)].sort(), { start, end });
    }
  }
  return calendar;
}

/** A provider bar bound to our asset id. */
export interface BarRow extends Bar {
  assetId: number;
}

export interface UpsertStats {
  rows_inserted: number;
  rows_revised: number;
  rows_unchanged: number;
}

const INCOMING = `WITH incoming AS (
  SELECT json_extract(value,'$[0]') AS asset_id, json_extract(value,'$[1]') AS date,
         json_extract(value,'$[2]') AS open, json_extract(value,'$[3]') AS high, json_extract(value,'$[4]') AS low,
         json_extract(value,'$[5]') AS close, json_extract(value,'$[6]') AS volume
  FROM json_each(?1))`;

// A bar goes in as a new revision unless its day's current row already holds the same values or was recorded at
// this instant or later (a rerun, or an older write arriving late): so a rerun inserts nothing.
const INSERT_CHANGED = `${INCOMING}
INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at)
SELECT i.asset_id, i.date, i.open, i.high, i.low, i.close, i.volume, ?3, ?2 FROM incoming i
WHERE NOT EXISTS (SELECT 1 FROM prices p WHERE p.asset_id = i.asset_id AND p.date = i.date AND p.superseded_at IS NULL
  AND (p.recorded_at >= ?2
    OR (p.open = i.open AND p.high = i.high AND p.low = i.low AND p.close = i.close AND p.volume = i.volume)))
ON CONFLICT DO NOTHING`;

// Then, last in the same batch, the rows those new revisions replace are superseded. The new rows are found by id,
// not by sending the bars' JSON again: ids are AUTOINCREMENT (never reused, always above every earlier id) and a
// batch is one transaction, so the batch's inserts are among the table's last ?2 ids (?2 = the rows it offered).
const SUPERSEDE_REPLACED = `UPDATE prices SET superseded_at = ?1, updated_at = ?1
WHERE superseded_at IS NULL AND recorded_at < ?1 AND id IN (
  SELECT o.id FROM prices n
  JOIN prices o ON o.asset_id = n.asset_id AND o.date = n.date AND o.superseded_at IS NULL AND o.recorded_at < ?1
  WHERE n.id > (SELECT MAX(id) FROM prices) - ?2 AND n.recorded_at = ?1)`;

/**
 * True when no (asset, date) repeats, told cheaply for the usual provider shape: each asset's bars in one run with
 * dates ascending. Any other order answers false (then `dedupe` decides).
 */
function plainlyUnique(rows: BarRow[]): boolean {
  const assets = new Set<number>();
  let previous: BarRow | undefined;
  for (const r of rows) {
    if (previous !== undefined && r.assetId === previous.assetId) {
      if (!(r.date > previous.date)) return false;
    } else {
      if (assets.has(r.assetId)) return false;
      assets.add(r.assetId);
    }
    previous = r;
  }
  return true;
}

/** Last row wins for a repeated (asset, date) within one call. */
function dedupe(rows: BarRow[]): BarRow[] {
  if (plainlyUnique(rows)) return rows;
  const byKey = new Map<string, BarRow>();
  for (const r of rows) byKey.set(`${r.assetId}|${r.date}`, r);
  return [...byKey.values()];
}

/**
 * Writes bars so that re-running with the same input changes nothing, a changed day becomes a new
 * revision (the replaced row stamped superseded_at), and nothing is ever deleted.
 */
export async function upsertBars(
  db: D1Database,
  rows: BarRow[],
  source: string,
  recordedAt: string,
): Promise<UpsertStats> {
  const unique = dedupe(rows);
  let revised = 0;
  let written = 0;
  // Per batch (one transaction): an insert per chunk of rows, then one supersede for all the batch's new rows.
  for (const group of slices(slices(unique, ROWS_PER_STATEMENT), STATEMENTS_PER_BATCH)) {
    const statements = group.map((part) =>
      db
        .prepare(INSERT_CHANGED)
        .bind(
          JSON.stringify(part.map((r) => [r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume])),
          recordedAt,
          source,
        ),
    );
    const offered = group.reduce((n, part) => n + part.length, 0);
    statements.push(db.prepare(SUPERSEDE_REPLACED).bind(recordedAt, offered));
    const results = await db.batch(statements);
    results.forEach((r, i) => {
      if (i === group.length) revised += r.meta.changes;
      else written += r.meta.changes;
    });
  }
  const inserted = written - revised;
  return { rows_inserted: inserted, rows_revised: revised, rows_unchanged: unique.length - written };
}

/** The latest current bar date per asset (a refresh restarts from there, minus the overlap). */
export async function lastBarDates(db: D1Database, assetIds: number[]): Promise<Map<number, string>> {
  const last = new Map<number, string>();
  for (const part of slices(assetIds, 500)) {
    const { results } = await db
      .prepare(
        `SELECT asset_id, MAX(date) AS last FROM prices
         WHERE asset_id IN (SELECT value FROM json_each(?1)) AND superseded_at IS NULL GROUP BY asset_id`,
      )
      .bind(JSON.stringify(part))
      .all<{ asset_id: number; last: string }>();
    for (const r of results) last.set(r.asset_id, r.last);
  }
  return last;
}

/** The latest current bar date of any of the assets, or null when none has a bar. */
export async function latestBarDate(db: D1Database, assetIds: number[]): Promise<string | null> {
  const latest = await db
    .prepare(
      "SELECT MAX(date) AS d FROM prices WHERE asset_id IN (SELECT value FROM json_each(?1)) AND superseded_at IS NULL",
    )
    .bind(JSON.stringify(assetIds))
    .first<{ d: string | null }>();
  return latest?.d ?? null;
}
