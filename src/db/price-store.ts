// Bulk, idempotent writes of market data: bars (with revisions), market caps and quotes.
// Shape: one bound parameter holding a JSON array of rows, expanded by json_each, so a statement carries
// thousands of rows while staying far inside D1's 100-bound-parameter limit; chunks go in atomic batch() calls.

import type { Bar } from "../providers/types";

/** A provider bar bound to our asset id. */
export interface BarRow extends Bar {
  assetId: number;
}

export interface UpsertStats {
  rows_inserted: number;
  rows_revised: number;
  rows_unchanged: number;
}

/** Rows per statement; ~60 bytes of JSON per bar keeps each parameter well under D1's 2 MB value limit. */
export const ROWS_PER_STATEMENT = 2000;
/** Statements per batch() call; each batch is one atomic transaction. */
export const STATEMENTS_PER_BATCH = 10;

const INCOMING = `WITH incoming AS (
  SELECT json_extract(value,'$[0]') AS asset_id, json_extract(value,'$[1]') AS date,
         json_extract(value,'$[2]') AS open, json_extract(value,'$[3]') AS high, json_extract(value,'$[4]') AS low,
         json_extract(value,'$[5]') AS close, json_extract(value,'$[6]') AS volume
  FROM json_each(?1))`;

// A stored current bar whose values differ is superseded; the insert below then adds the new revision.
const SUPERSEDE_CHANGED = `${INCOMING}
UPDATE prices SET superseded_at = ?2, updated_at = ?2
WHERE superseded_at IS NULL AND recorded_at < ?2 AND id IN (
  SELECT p.id FROM incoming i JOIN prices p ON p.asset_id = i.asset_id AND p.date = i.date AND p.superseded_at IS NULL
  WHERE p.open <> i.open OR p.high <> i.high OR p.low <> i.low OR p.close <> i.close OR p.volume <> i.volume)`;

const INSERT_MISSING = `${INCOMING}
INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at)
SELECT i.asset_id, i.date, i.open, i.high, i.low, i.close, i.volume, ?3, ?2 FROM incoming i
WHERE NOT EXISTS (SELECT 1 FROM prices p WHERE p.asset_id = i.asset_id AND p.date = i.date AND p.superseded_at IS NULL)
ON CONFLICT DO NOTHING`;

/** Last row wins for a repeated (asset, date) within one call. */
function dedupe(rows: BarRow[]): BarRow[] {
  const byKey = new Map<string, BarRow>();
  for (const r of rows) byKey.set(`${r.assetId}|${r.date}`, r);
  return [...byKey.values()];
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes bars so that re-running with the same input changes nothing, a changed day becomes a new
 * revision, and nothing is ever deleted.
 */
export async function upsertBars(
  db: D1Database,
  rows: BarRow[],
  source: string,
  recordedAt: string,
): Promise<UpsertStats> {
  const unique = dedupe(rows);
  const statements: D1PreparedStatement[] = [];
  for (const part of chunk(unique, ROWS_PER_STATEMENT)) {
    const json = JSON.stringify(part.map((r) => [r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume]));
    statements.push(db.prepare(SUPERSEDE_CHANGED).bind(json, recordedAt));
    statements.push(db.prepare(INSERT_MISSING).bind(json, recordedAt, source));
  }
  let revised = 0;
  let written = 0;
  for (const group of chunk(statements, STATEMENTS_PER_BATCH * 2)) {
    const results = await db.batch(group);
    results.forEach((r, i) => {
      if (i % 2 === 0) revised += r.meta.changes;
      else written += r.meta.changes;
    });
  }
  const inserted = written - revised;
  return { rows_inserted: inserted, rows_revised: revised, rows_unchanged: unique.length - written };
}

export interface MarketCapRow {
  assetId: number;
  date: string;
  marketCap: number;
  sharesOutstanding?: number | null;
}

export async function upsertMarketCaps(db: D1Database, rows: MarketCapRow[], source: string): Promise<number> {
  let changes = 0;
  const statements = chunk(rows, ROWS_PER_STATEMENT).map((part) =>
    db
      .prepare(
        `INSERT INTO market_caps (asset_id, date, market_cap, shares_outstanding, source)
         SELECT json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'), json_extract(value,'$[3]'), ?2
         FROM json_each(?1) WHERE true
         ON CONFLICT (asset_id, date) DO UPDATE SET market_cap = excluded.market_cap,
           shares_outstanding = excluded.shares_outstanding, source = excluded.source,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
         WHERE market_caps.market_cap <> excluded.market_cap
            OR market_caps.shares_outstanding IS NOT excluded.shares_outstanding`,
      )
      .bind(JSON.stringify(part.map((r) => [r.assetId, r.date, r.marketCap, r.sharesOutstanding ?? null])), source),
  );
  for (const group of chunk(statements, STATEMENTS_PER_BATCH)) {
    for (const r of await db.batch(group)) changes += r.meta.changes;
  }
  return changes;
}

export interface QuoteRow {
  assetId: number;
  price: number;
  previousClose: number;
  ts: string;
}

/** Keeps the newest quote per asset; an older quote arriving late never overwrites a newer one. */
export async function upsertQuotes(db: D1Database, rows: QuoteRow[], source: string): Promise<number> {
  let changes = 0;
  const statements = chunk(rows, ROWS_PER_STATEMENT).map((part) =>
    db
      .prepare(
        `INSERT INTO quotes (asset_id, price, previous_close, ts, source)
         SELECT json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'), json_extract(value,'$[3]'), ?2
         FROM json_each(?1) WHERE true
         ON CONFLICT (asset_id) DO UPDATE SET price = excluded.price, previous_close = excluded.previous_close,
           ts = excluded.ts, source = excluded.source, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
         WHERE excluded.ts >= quotes.ts`,
      )
      .bind(JSON.stringify(part.map((r) => [r.assetId, r.price, r.previousClose, r.ts])), source),
  );
  for (const group of chunk(statements, STATEMENTS_PER_BATCH)) {
    for (const r of await db.batch(group)) changes += r.meta.changes;
  }
  return changes;
}
