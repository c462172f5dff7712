// Latest quotes (one row per asset, newer ts wins): the write, and the one stored-quote read every caller uses.
import { upsertJsonRows } from "./batching";

export interface QuoteRow {
  assetId: number;
  price: number;
  previousClose: number;
  ts: string;
}

/** Keeps the newest quote per asset; an older quote arriving late never overwrites a newer one. */
export async function upsertQuotes(db: D1Database, rows: QuoteRow[], source: string): Promise<number> {
  return upsertJsonRows(
    db,
    {
      table: "quotes",
      columns: ["asset_id", "price", "previous_close", "ts"],
      onConflict: `(asset_id) DO UPDATE SET price = excluded.price, previous_close = excluded.previous_close,
        ts = excluded.ts, source = excluded.source, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
        WHERE excluded.ts >= quotes.ts`,
    },
    rows,
    (r) => [r.assetId, r.price, r.previousClose, r.ts],
    source,
  );
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
