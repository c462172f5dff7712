// Keyset positions of newest-first lists ordered by (created_at DESC, id DESC), and their one SQL condition.
import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** A position in a newest-first list: the (created_at, id) of the last row seen. */
export interface NewestFirst {
  c: string;
  i: string;
}

/** Rows strictly after `after` in newest-first order; undefined (no condition) on the first page. */
export function olderThan(createdAt: SQLiteColumn, id: SQLiteColumn, after: NewestFirst | undefined): SQL | undefined {
  return after ? or(lt(createdAt, after.c), and(eq(createdAt, after.c), lt(id, after.i))) : undefined;
}
