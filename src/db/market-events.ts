// Market data events per asset and date: market caps, splits and cash dividends, and the adjustment-factor
// segments derived from them.
import { type FactorSegment, type StoredAction, sameSegments, segmentsOfActions } from "../domain/adjustment-factors";
import { upsertJsonRows } from "./batching";

export interface ActionRow {
  assetId: number;
  kind: "split" | "dividend";
  date: string;
  /** Splits: new shares per old share. */
  ratio?: number;
  /** Dividends: cash per share. */
  amount?: number;
}

const ROWS_PER_STATEMENT = 500;

/**
 * Inserts new actions and applies a vendor's restatement of an existing one (same asset, kind and date) in
 * place; returns how many rows changed. Identical input changes nothing, so retries are free.
 */
export async function upsertCorporateActions(db: D1Database, rows: ActionRow[], source: string): Promise<number> {
  if (rows.length === 0) return 0;
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const json = JSON.stringify(
      rows.slice(i, i + ROWS_PER_STATEMENT).map((r) => [r.assetId, r.kind, r.date, r.ratio ?? null, r.amount ?? null]),
    );
    statements.push(
      db
        .prepare(
          `INSERT INTO corporate_actions (asset_id, kind, date, ratio, amount, source)
           SELECT json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'),
                  json_extract(value,'$[3]'), json_extract(value,'$[4]'), ?2 FROM json_each(?1) WHERE true
           ON CONFLICT (asset_id, kind, date) DO UPDATE SET ratio = excluded.ratio, amount = excluded.amount,
             source = excluded.source, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
           WHERE corporate_actions.ratio IS NOT excluded.ratio OR corporate_actions.amount IS NOT excluded.amount`,
        )
        .bind(json, source),
    );
  }
  let changes = 0;
  for (const r of await db.batch(statements)) changes += r.meta.changes;
  return changes;
}

/** A stored action of one asset, with the close before its date, as the factor reads select it. */
export type AssetAction = StoredAction & { asset_id: number };

/**
 * Recomputes the factor segments of each asset from its stored actions and current closes, and rewrites an
 * asset's segments only when they changed (the nightly index rebuild keys off `adjustment_factors.updated_at`).
 * The segments are derived data: replacing them in one atomic batch never touches a raw bar.
 * Returns the asset ids whose factors changed.
 */
export async function rebuildAdjustmentFactors(db: D1Database, assetIds: number[]): Promise<number[]> {
  if (assetIds.length === 0) return [];
  const ids = JSON.stringify(assetIds);
  const [actions, stored] = await db.batch([
    db
      .prepare(
        `SELECT ca.asset_id, ca.kind, ca.date, ca.ratio, ca.amount,
           (SELECT p.close FROM prices p WHERE p.asset_id = ca.asset_id AND p.date < ca.date AND p.superseded_at IS NULL
            ORDER BY p.date DESC LIMIT 1) AS previous_close
         FROM corporate_actions ca WHERE ca.asset_id IN (SELECT value FROM json_each(?1)) ORDER BY ca.asset_id, ca.date`,
      )
      .bind(ids),
    db
      .prepare(
        `SELECT asset_id, from_date, to_date, factor, split_factor FROM adjustment_factors
         WHERE asset_id IN (SELECT value FROM json_each(?1)) ORDER BY asset_id, from_date`,
      )
      .bind(ids),
  ]);
  const actionsOf = byAsset((actions?.results ?? []) as unknown as AssetAction[]);
  const storedOf = byAsset((stored?.results ?? []) as unknown as Array<FactorSegment & { asset_id: number }>);
  const changed: number[] = [];
  const writes: D1PreparedStatement[] = [];
  for (const assetId of assetIds) {
    const list = actionsOf.get(assetId) ?? [];
    const segments = segmentsOfActions(list);
    const current = (storedOf.get(assetId) ?? []).map(({ from_date, to_date, factor, split_factor }) => ({
      from_date,
      to_date,
      factor,
      split_factor,
    }));
    if (sameSegments(segments, current)) continue;
    changed.push(assetId);
    writes.push(db.prepare("DELETE FROM adjustment_factors WHERE asset_id = ?1").bind(assetId));
    if (segments.length) {
      writes.push(
        db
          .prepare(
            `INSERT INTO adjustment_factors (asset_id, from_date, to_date, factor, split_factor)
             SELECT ?1, json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'),
                    json_extract(value,'$[3]') FROM json_each(?2)`,
          )
          .bind(assetId, JSON.stringify(segments.map((s) => [s.from_date, s.to_date, s.factor, s.split_factor]))),
      );
    }
  }
  if (writes.length) await db.batch(writes);
  return changed;
}

/** Rows grouped by asset, each group in the rows' order. */
export function byAsset<T extends { asset_id: number }>(rows: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of rows) {
    const list = out.get(r.asset_id);
    if (list) list.push(r);
    else out.set(r.asset_id, [r]);
  }
  return out;
}

export interface CorporateActionsView {
  splits: Array<{ date: string; ratio: number }>;
  dividends: Array<{ ex_date: string; amount: number }>;
}

export async function readCorporateActions(
  db: D1Database,
  assetId: number,
  start?: string,
  end?: string,
): Promise<CorporateActionsView> {
  const { results } = await db
    .prepare(
      `SELECT kind, date, ratio, amount FROM corporate_actions
       WHERE asset_id = ?1 AND (?2 IS NULL OR date >= ?2) AND (?3 IS NULL OR date <= ?3) ORDER BY date, kind`,
    )
    .bind(assetId, start ?? null, end ?? null)
    .all<{ kind: "split" | "dividend"; date: string; ratio: number | null; amount: number | null }>();
  return {
    splits: results.filter((r) => r.kind === "split").map((r) => ({ date: r.date, ratio: r.ratio as number })),
    dividends: results
      .filter((r) => r.kind === "dividend")
      .map((r) => ({ ex_date: r.date, amount: r.amount as number })),
  };
}

export interface MarketCapRow {
  assetId: number;
  date: string;
  marketCap: number;
  sharesOutstanding?: number | null;
}

export async function upsertMarketCaps(db: D1Database, rows: MarketCapRow[], source: string): Promise<number> {
  return upsertJsonRows(
    db,
    {
      table: "market_caps",
      columns: ["asset_id", "date", "market_cap", "shares_outstanding"],
      onConflict: `(asset_id, date) DO UPDATE SET market_cap = excluded.market_cap,
        shares_outstanding = excluded.shares_outstanding, source = excluded.source,
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
        WHERE market_caps.market_cap <> excluded.market_cap
           OR market_caps.shares_outstanding IS NOT excluded.shares_outstanding`,
    },
    rows,
    (r) => [r.assetId, r.date, r.marketCap, r.sharesOutstanding ?? null],
    source,
  );
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

export interface RecordedAction {
  symbol: string;
  kind: "split" | "dividend";
  date: string;
  ratio: number | null;
  amount: number | null;
}

/**
 * Corporate actions of these assets recorded after `since` (an instant), in date order, and how many of
 * their bars dated on or before `through` were revised (superseded) after it: what a version built at
 * `since` has not taken in.
 */
export async function dataEventsSince(
  db: D1Database,
  assetIds: readonly number[],
  since: string,
  through: string,
): Promise<{ actions: RecordedAction[]; revisedBars: number }> {
  if (assetIds.length === 0) return { actions: [], revisedBars: 0 };
  const ids = JSON.stringify(assetIds);
  const [actions, revised] = await db.batch([
    db
      .prepare(
        `SELECT a.symbol, c.kind, c.date, c.ratio, c.amount FROM corporate_actions c JOIN assets a ON a.id = c.asset_id
         WHERE c.asset_id IN (SELECT value FROM json_each(?1)) AND c.created_at > ?2 ORDER BY c.date, a.symbol, c.kind`,
      )
      .bind(ids, since),
    db
      .prepare(
        `SELECT COUNT(DISTINCT asset_id || ':' || date) AS n FROM prices
         WHERE asset_id IN (SELECT value FROM json_each(?1)) AND superseded_at > ?2 AND date <= ?3`,
      )
      .bind(ids, since, through),
  ]);
  return {
    actions: (actions?.results ?? []) as RecordedAction[],
    revisedBars: ((revised?.results ?? [])[0] as { n: number } | undefined)?.n ?? 0,
  };
}

export interface MarketCapView {
  date: string;
  market_cap: number;
  shares_outstanding: number | null;
}

/** One ascending page of an asset's observations in [start, end] after the keyset date; fetches limit + 1. */
export async function readMarketCapHistory(
  db: D1Database,
  q: { assetId: number; start?: string; end?: string; after?: string; limit: number },
): Promise<MarketCapView[]> {
  const { results } = await db
    .prepare(
      `SELECT date, market_cap, shares_outstanding FROM market_caps
       WHERE asset_id = ?1 AND (?2 IS NULL OR date >= ?2) AND (?3 IS NULL OR date <= ?3) AND (?4 IS NULL OR date > ?4)
       ORDER BY date LIMIT ?5`,
    )
    .bind(q.assetId, q.start ?? null, q.end ?? null, q.after ?? null, q.limit + 1)
    .all<MarketCapView>();
  return results;
}
