// Per-user quotas on owned rows (API.md v1.1): how many live rows of a kind a user holds.

/** The owned tables with a quota, and the column naming their owner. */
const OWNED = {
  api_keys: "user_id",
  webhooks: "owner_id",
  alerts: "owner_id",
  indexes: "owner_id",
} as const;
export type QuotaKind = keyof typeof OWNED;

/** Live (not soft-deleted) rows of `kind` owned by `ownerId`. */
export async function liveCount(d1: D1Database, kind: QuotaKind, ownerId: string): Promise<number> {
  const row = await d1
    .prepare(`SELECT COUNT(*) AS n FROM ${kind} WHERE ${OWNED[kind]} = ?1 AND deleted_at IS NULL`)
    .bind(ownerId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * After an insert that was checked against the quota beforehand: when concurrent inserts together passed it,
 * the newest rows beyond the quota are soft-deleted again (their creators answer 409), so it never stays passed.
 * True when `id` survived.
 */
export async function keepWithinQuota(
  d1: D1Database,
  kind: QuotaKind,
  ownerId: string,
  id: string,
  quota: number,
): Promise<boolean> {
  const owner = OWNED[kind];
  await d1
    .prepare(
      `UPDATE ${kind} SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?1 AND deleted_at IS NULL
       AND (SELECT COUNT(*) FROM ${kind} WHERE ${owner} = ?2 AND deleted_at IS NULL
            AND (created_at < (SELECT created_at FROM ${kind} WHERE id = ?1)
                 OR (created_at = (SELECT created_at FROM ${kind} WHERE id = ?1) AND id < ?1))) >= ?3`,
    )
    .bind(id, ownerId, quota)
    .run();
  const row = await d1
    .prepare(`SELECT deleted_at FROM ${kind} WHERE id = ?1`)
    .bind(id)
    .first<{ deleted_at: string | null }>();
  return row?.deleted_at === null;
}
