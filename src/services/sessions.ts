// Sessions: an access JWT plus an opaque refresh token stored only as a hash, grouped in a family.
import { and, eq, isNull } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { newId, randomToken } from "../db/ids";
import { revocationStatement } from "../db/revocations";
import { refreshTokens, users } from "../db/schema";
import { announceRevocation } from "./revocation";
import { signAccessToken } from "./tokens";

export type UserRow = typeof users.$inferSelect;

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const publicUser = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  created_at: u.createdAt,
});

export interface SessionTokens {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

/** Issues a new pair; `family`/`parent` continue an existing family on rotation. */
export async function issueSession(
  db: Db,
  cfg: Config,
  user: UserRow,
  lineage: { familyId?: string; parentId?: string } = {},
): Promise<SessionTokens & { refreshTokenId: string }> {
  const familyId = lineage.familyId ?? newId("fam");
  const { token, expiresIn } = await signAccessToken(cfg, user, familyId);
  const refresh = `rt_${randomToken(43)}`;
  const id = newId("rtk");
  await db.insert(refreshTokens).values({
    id,
    userId: user.id,
    familyId,
    parentId: lineage.parentId ?? null,
    tokenHash: await sha256Hex(refresh),
    expiresAt: new Date(Date.now() + cfg.REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
  });
  return {
    access_token: token,
    refresh_token: refresh,
    token_type: "Bearer",
    expires_in: expiresIn,
    refreshTokenId: id,
  };
}

export type RotationOutcome =
  | { kind: "rotated"; user: UserRow; tokens: SessionTokens; familyId: string }
  /** A spent token came back: someone holds a copy. The whole family is now revoked. */
  | { kind: "reused"; userId: string; familyId: string }
  | { kind: "invalid"; userId?: string };

/**
 * Revokes every token of a family, the newest included, and records the session as revoked so its access
 * tokens fail too (and its stream sockets close); returns how many refresh tokens were still live.
 */
export async function revokeFamily(
  env: Env,
  familyId: string,
  userId: string,
  reason: "logout" | "refresh_reuse",
): Promise<number> {
  const now = new Date().toISOString();
  const [r] = await env.DB.batch([
    env.DB.prepare(
      "UPDATE refresh_tokens SET revoked_at = ?1, updated_at = ?1 WHERE family_id = ?2 AND revoked_at IS NULL",
    ).bind(now, familyId),
    revocationStatement(env.DB, familyId, userId, reason),
  ]);
  await announceRevocation(env, [familyId]);
  return r?.meta.changes ?? 0;
}

/**
 * Spends a refresh token and issues its successor in the same family. The successor is inserted only while
 * its parent is unspent and unrevoked, in one atomic batch with the spend, so two concurrent uses of one token
 * cannot both succeed: the loser is treated as reuse and revokes the family.
 */
export async function rotateSession(env: Env, db: Db, cfg: Config, presented: string): Promise<RotationOutcome> {
  const row = await db
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
    .get();
  if (!row) return { kind: "invalid" };
  if (row.revokedAt) return { kind: "invalid", userId: row.userId };
  if (row.spentAt) {
    await revokeFamily(env, row.familyId, row.userId, "refresh_reuse");
    return { kind: "reused", userId: row.userId, familyId: row.familyId };
  }
  const user = await db
    .select()
    .from(users)
    .where(and(eq(users.id, row.userId), isNull(users.deletedAt)))
    .get();
  const now = new Date();
  if (!user || Date.parse(row.expiresAt) <= now.getTime()) return { kind: "invalid", userId: row.userId };

  const refresh = `rt_${randomToken(43)}`;
  const nowIso = now.toISOString();
  const [inserted] = await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO refresh_tokens (id, user_id, family_id, parent_id, token_hash, expires_at)
       SELECT ?1, user_id, family_id, id, ?2, ?3 FROM refresh_tokens
       WHERE id = ?4 AND spent_at IS NULL AND revoked_at IS NULL`,
    ).bind(
      newId("rtk"),
      await sha256Hex(refresh),
      new Date(now.getTime() + cfg.REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
      row.id,
    ),
    env.DB.prepare("UPDATE refresh_tokens SET spent_at = ?1, updated_at = ?1 WHERE id = ?2 AND spent_at IS NULL").bind(
      nowIso,
      row.id,
    ),
  ]);
  if ((inserted?.meta.changes ?? 0) !== 1) {
    await revokeFamily(env, row.familyId, row.userId, "refresh_reuse");
    return { kind: "reused", userId: row.userId, familyId: row.familyId };
  }
  const { token, expiresIn } = await signAccessToken(cfg, user, row.familyId);
  return {
    kind: "rotated",
    user,
    familyId: row.familyId,
    tokens: { access_token: token, refresh_token: refresh, token_type: "Bearer", expires_in: expiresIn },
  };
}

/** Logout: revokes the family of a presented token; unknown tokens are ignored (RFC 7009 behaviour). */
export async function endSession(
  env: Env,
  db: Db,
  presented: string,
  ownerId: string,
): Promise<{ userId: string; familyId: string } | null> {
  // Only the caller's own sessions: someone else's refresh token is treated as unknown.
  const row = await db
    .select({ userId: refreshTokens.userId, familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.tokenHash, await sha256Hex(presented)), eq(refreshTokens.userId, ownerId)))
    .get();
  if (!row) return null;
  await revokeFamily(env, row.familyId, row.userId, "logout");
  return row;
}
