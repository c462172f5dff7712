// Price reads: current or as-of bars with adj_close derived from the adjustment-factor table.
import { adjustmentSegments, applySegments } from "../domain/adjustment-factors";
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
  const adj_close = r.close * factor;
  if (adjustment === "raw") {
    return { date: r.date, open: r.open, high: r.high, low: r.low, close: r.close, adj_close, volume: r.volume };
  }
  const k = adjustment === "all" ? factor : (r.split_factor ?? 1);
  return {
    date: r.date,
    open: r.open * k,
    high: r.high * k,
    low: r.low * k,
    close: r.close * k,
    adj_close,
    volume: r.volume / (r.split_factor ?? 1),
  };
}

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
  return results.map((r) => ({ asset_id: r.asset_id, dates: JSON.parse(r.dates), closes: JSON.parse(r.closes) }));
}

/** The bar revision visible at `asOf` (bound as ?4 below). */
const VISIBLE_AT = "p.recorded_at <= ?4 AND (p.superseded_at IS NULL OR p.superseded_at > ?4)";

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
    db
      .prepare(
        `SELECT ca.asset_id, ca.kind, ca.date, ca.ratio, ca.amount,
           (SELECT p.close FROM prices p WHERE p.asset_id = ca.asset_id AND p.date < ca.date AND ${VISIBLE_AT}
            ORDER BY p.date DESC LIMIT 1) AS previous_close
         FROM corporate_actions ca WHERE ca.asset_id IN (SELECT value FROM json_each(?1)) AND ca.created_at <= ?4
         ORDER BY ca.asset_id, ca.date`,
      )
      .bind(ids, start, end, asOf),
  ]);
  const actionsOf = new Map<number, ActionAsOf[]>();
  for (const a of (actions?.results ?? []) as unknown as ActionAsOf[]) {
    const list = actionsOf.get(a.asset_id) ?? [];
    list.push(a);
    actionsOf.set(a.asset_id, list);
  }
  return ((bars?.results ?? []) as unknown as Array<{ asset_id: number; dates: string; closes: string }>).map((r) => {
    const dates = JSON.parse(r.dates) as string[];
    const list = actionsOf.get(r.asset_id) ?? [];
    const segments = adjustmentSegments(
      list
        .filter((a) => a.kind === "split" && a.ratio !== null)
        .map((a) => ({ date: a.date, ratio: a.ratio as number })),
      list
        .filter((a) => a.kind === "dividend" && a.amount !== null)
        .map((a) => ({ ex_date: a.date, amount: a.amount as number, previous_close: a.previous_close })),
    );
    return { asset_id: r.asset_id, dates, closes: applySegments(dates, JSON.parse(r.closes) as number[], segments) };
  });
}

interface ActionAsOf {
  asset_id: number;
  kind: "split" | "dividend";
  date: string;
  ratio: number | null;
  amount: number | null;
  previous_close: number | null;
}
