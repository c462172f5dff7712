// How bulk writes are cut to D1's limits: rows per statement (one JSON parameter expanded by json_each) and
// statements per batch() call (one atomic transaction each).
import { slices } from "../domain/slices";

/** Rows per statement; ~60 bytes of JSON per bar keeps each parameter well under D1's 2 MB value limit. */
export const ROWS_PER_STATEMENT = 2000;
/** Statements per batch() call; each batch is one atomic transaction. */
export const STATEMENTS_PER_BATCH = 10;
/** A statement's JSON stays under ~900 kB for wide rows (D1 values max 2 MB). */
export const BYTES_PER_STATEMENT = 900_000;

/** Row JSON encodings grouped into JSON-array payloads that each stay under BYTES_PER_STATEMENT. */
export function chunkByBytes(encoded: string[]): string[] {
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

/** Where `upsertJsonRows` writes: the table, the columns a row's tuple fills in order, and the conflict rule. */
export interface JsonUpsert {
  table: string;
  columns: readonly string[];
  /** What follows ON CONFLICT: the key, and what a repeated key updates (and when). */
  onConflict: string;
}

/**
 * Upserts `rows` into `into.table`: their `tuple`s as one JSON array per ROWS_PER_STATEMENT rows (expanded by
 * json_each, so one bound parameter carries them all) plus a `source` column, STATEMENTS_PER_BATCH statements to
 * an atomic batch; returns the rows changed.
 */
export async function upsertJsonRows<T>(
  db: D1Database,
  into: JsonUpsert,
  rows: readonly T[],
  tuple: (row: T) => unknown[],
  source: string,
): Promise<number> {
  const sql = `INSERT INTO ${into.table} (${into.columns.join(", ")}, source)
    SELECT ${into.columns.map((_, i) => `json_extract(value,'$[${i}]')`).join(", ")}, ?2 FROM json_each(?1) WHERE true
    ON CONFLICT ${into.onConflict}`;
  let changes = 0;
  const statements = slices(rows, ROWS_PER_STATEMENT).map((part) =>
    db.prepare(sql).bind(JSON.stringify(part.map(tuple)), source),
  );
  for (const group of slices(statements, STATEMENTS_PER_BATCH)) {
    for (const r of await db.batch(group)) changes += r.meta.changes;
  }
  return changes;
}
