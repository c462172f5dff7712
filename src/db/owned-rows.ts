// A user's own notification rows (alerts, webhooks): the newest-first page and the soft delete, one statement each.
import type { NewestFirst } from "./keyset";

/** Tables of user-owned, soft-deleted rows listed newest first; a closed list, so the name is never input. */
export type OwnedTable = "alerts" | "webhooks";

/** Newest first; keyset on (created_at, id); limit + 1 rows of the owner's live rows. */
export async function ownedNewestFirst<T>(
  db: D1Database,
  table: OwnedTable,
  columns: string,
  ownerId: string,
  limit: number,
  after?: NewestFirst,
): Promise<T[]> {
  const { results } = await db
    .prepare(
      `SELECT ${columns} FROM ${table}
       WHERE owner_id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < ?3))
       ORDER BY created_at DESC, id DESC LIMIT ?4`,
    )
    .bind(ownerId, after?.c ?? null, after?.i ?? "", limit + 1)
    .all<T>();
  return results;
}

/** Soft-deletes one of the owner's rows; false when there is none (or it is someone else's). */
export async function softDeleteOwned(
  db: D1Database,
  table: OwnedTable,
  ownerId: string,
  id: string,
  now: string,
): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE ${table} SET deleted_at = ?3, updated_at = ?3 WHERE id = ?1 AND owner_id = ?2 AND deleted_at IS NULL`,
    )
    .bind(id, ownerId, now)
    .run();
  return res.meta.changes > 0;
}
