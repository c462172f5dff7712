// Revocation records (one row per revoked session or API key) and the one-query lookup of a session's holder.

export type RevocationReason = "logout" | "refresh_reuse" | "role_change" | "user_deleted" | "key_revoked";

/** A statement recording `subject` (a `fam_…` session or a `key_…` key) as revoked; idempotent. */
export function revocationStatement(
  d1: D1Database,
  subject: string,
  userId: string,
  reason: RevocationReason,
): D1PreparedStatement {
  return d1
    .prepare("INSERT OR IGNORE INTO revocations (subject, user_id, reason) VALUES (?1, ?2, ?3)")
    .bind(subject, userId, reason);
}

/** Revokes one of the owner's live keys and records it; the first statement's change count says whether it was. */
export function keyRevocationStatements(
  d1: D1Database,
  keyId: string,
  ownerId: string,
  now: string,
): D1PreparedStatement[] {
  return [
    d1
      .prepare(
        "UPDATE api_keys SET revoked_at = ?1, deleted_at = ?1, updated_at = ?1 WHERE id = ?2 AND user_id = ?3 AND deleted_at IS NULL",
      )
      .bind(now, keyId, ownerId),
    d1
      .prepare(
        `INSERT OR IGNORE INTO revocations (subject, user_id, reason)
         SELECT id, user_id, 'key_revoked' FROM api_keys WHERE id = ?1 AND user_id = ?2 AND revoked_at = ?3`,
      )
      .bind(keyId, ownerId, now),
  ];
}

/** Records every live session of a user as revoked (user deletion), and revokes their refresh tokens. */
export function userSessionRevocations(
  d1: D1Database,
  userId: string,
  reason: RevocationReason,
): D1PreparedStatement[] {
  return [
    d1
      .prepare(
        `INSERT OR IGNORE INTO revocations (subject, user_id, reason)
         SELECT DISTINCT family_id, user_id, ?2 FROM refresh_tokens WHERE user_id = ?1 AND revoked_at IS NULL`,
      )
      .bind(userId, reason),
    d1
      .prepare(
        "UPDATE refresh_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE user_id = ?1 AND revoked_at IS NULL",
      )
      .bind(userId),
  ];
}

/** Which of `subjects` are revoked (primary-key lookups; at most 100 subjects per call, D1's bound-parameter cap). */
export async function revokedAmong(d1: D1Database, subjects: string[]): Promise<Set<string>> {
  if (subjects.length === 0) return new Set();
  if (subjects.length > 100) throw new RangeError("at most 100 subjects per lookup");
  const marks = subjects.map((_, i) => `?${i + 1}`).join(", ");
  const { results } = await d1
    .prepare(`SELECT subject FROM revocations WHERE subject IN (${marks})`)
    .bind(...subjects)
    .all<{ subject: string }>();
  return new Set(results.map((r) => r.subject));
}

export interface SessionHolder {
  id: string;
  role: "admin" | "user";
  email: string;
  /** The session named by the token has a revocation record. */
  revoked: boolean;
}

/** The live user behind an access token and whether its session is revoked, in one round trip. */
export function findSessionHolder(d1: D1Database, userId: string, sessionId: string): Promise<SessionHolder | null> {
  return d1
    .prepare(
      `SELECT u.id, u.role, u.email, EXISTS (SELECT 1 FROM revocations WHERE subject = ?2) AS revoked
       FROM users u WHERE u.id = ?1 AND u.deleted_at IS NULL`,
    )
    .bind(userId, sessionId)
    .first<{ id: string; role: "admin" | "user"; email: string; revoked: number }>()
    .then((r) => (r ? { id: r.id, role: r.role, email: r.email, revoked: r.revoked === 1 } : null));
}

/** Users among `userIds` that no longer exist or are deleted (the stream's sweep closes their sockets). */
export async function goneUsers(d1: D1Database, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  if (userIds.length > 100) throw new RangeError("at most 100 users per lookup");
  const marks = userIds.map((_, i) => `?${i + 1}`).join(", ");
  const { results } = await d1
    .prepare(`SELECT id FROM users WHERE id IN (${marks}) AND deleted_at IS NULL`)
    .bind(...userIds)
    .all<{ id: string }>();
  const live = new Set(results.map((r) => r.id));
  return new Set(userIds.filter((id) => !live.has(id)));
}
