// The one keyset condition for newest-first lists ordered by (created_at DESC, id DESC).
import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** Rows strictly after `after` in newest-first order; undefined (no condition) on the first page. */
export function olderThan(
  createdAt: SQLiteColumn,
  id: SQLiteColumn,
  after: { c: string; i: string } | undefined,
): SQL | undefined {
  return after ? or(lt(createdAt, after.c), and(eq(createdAt, after.c), lt(id, after.i))) : undefined;
}
