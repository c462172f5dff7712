// Latest quotes (one row per asset, newer ts wins): the write, and the one stored-quote read every caller uses.
import { chunk, ROWS_PER_STATEMENT, STATEMENTS_PER_BATCH } from "./batching";

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

export interface StoredQuote {
  symbol: string;
  price: number;
  previous_close: number;
  ts: string;
  source: string;
}

/** The stored quotes of active assets among `symbols` (REST quotes and the stream's first frame both read this). */
export async function storedQuotes(db: D1Database, symbols: readonly string[]): Promise<StoredQuote[]> {
  const { results } = await db
    .prepare(
      `SELECT a.symbol, q.price, q.previous_close, q.ts, q.source FROM assets a JOIN quotes q ON q.asset_id = a.id
       WHERE a.deleted_at IS NULL AND a.symbol IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(symbols))
    .all<StoredQuote>();
  return results;
}

/** An active asset with its stored quote price, if any (what an order is priced from); null for an unknown symbol. */
export function assetQuote(
  db: D1Database,
  symbol: string,
): Promise<{ asset_id: number; price: number | null; ts: string | null } | null> {
  return db
    .prepare(
      `SELECT a.id AS asset_id, q.price, q.ts FROM assets a LEFT JOIN quotes q ON q.asset_id = a.id
       WHERE a.symbol = ? AND a.deleted_at IS NULL`,
    )
    .bind(symbol)
    .first<{ asset_id: number; price: number | null; ts: string | null }>();
}
