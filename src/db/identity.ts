// Accounts, refresh-token families and API keys: every query behind sign-up, sign-in, rotation and key checks.
import { and, desc, eq, isNull } from "drizzle-orm";
import { orm } from "./client";
import { newId } from "./ids";
import { type NewestFirst, olderThan } from "./keyset";
import { apiKeys, refreshTokens, users } from "./schema";

export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

/** A new account, or undefined when the email is taken (the unique index decides, so concurrent sign-ups agree). */
export function insertUser(
  db: D1Database,
  user: { email: string; name: string | null; passwordHash: string; role: UserRow["role"] },
): Promise<UserRow | undefined> {
  return orm(db)
    .insert(users)
    .values({ id: newId("usr"), ...user })
    .onConflictDoNothing()
    .returning()
    .get();
}

/** Accounts that may already exist (local seeding): existing emails are left as they are. */
export async function insertUsersIfAbsent(
  db: D1Database,
  list: Array<{ email: string; name: string | null; passwordHash: string; role: UserRow["role"] }>,
): Promise<void> {
  await orm(db)
    .insert(users)
    .values(list.map((u) => ({ id: newId("usr"), ...u })))
    .onConflictDoNothing();
}

/** A live (not deleted) account by email. */
export function findUserByEmail(db: D1Database, email: string): Promise<UserRow | undefined> {
  return orm(db)
    .select()
    .from(users)
    .where(and(eq(users.email, email), isNull(users.deletedAt)))
    .get();
}

/** Any account by id, deleted ones included (GET /v1/me answers for the token's own row). */
export function findUserById(db: D1Database, id: string): Promise<UserRow | undefined> {
  return orm(db).select().from(users).where(eq(users.id, id)).get();
}

/** A live account by id, or undefined. */
export function findLiveUser(db: D1Database, id: string): Promise<UserRow | undefined> {
  return orm(db)
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)))
    .get();
}

/** The fields the /v1 gate needs about a JWT's user. */
export function findGateUser(db: D1Database, id: string) {
  return orm(db)
    .select({ id: users.id, role: users.role, email: users.email })
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)))
    .get();
}

export async function insertRefreshToken(
  db: D1Database,
  row: { id: string; userId: string; familyId: string; parentId: string | null; tokenHash: string; expiresAt: string },
): Promise<void> {
  await orm(db).insert(refreshTokens).values(row);
}

export function findRefreshToken(db: D1Database, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return orm(db).select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).get();
}

/** The family of a token only when it is the owner's (someone else's token reads as unknown). */
export function findOwnedRefreshToken(db: D1Database, tokenHash: string, ownerId: string) {
  return orm(db)
    .select({ userId: refreshTokens.userId, familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.userId, ownerId)))
    .get();
}

/** Revokes every token of a family, the newest included; returns how many were still live. */
export async function revokeRefreshFamily(db: D1Database, familyId: string, now: string): Promise<number> {
  const r = await db
    .prepare("UPDATE refresh_tokens SET revoked_at = ?1, updated_at = ?1 WHERE family_id = ?2 AND revoked_at IS NULL")
    .bind(now, familyId)
    .run();
  return r.meta.changes ?? 0;
}

/**
 * Spends `parentId` and inserts its successor in one atomic batch; the successor is inserted only while its
 * parent is unspent and unrevoked, so two concurrent uses of one token cannot both succeed. True when this
 * call won.
 */
export async function spendAndSucceed(
  db: D1Database,
  parentId: string,
  successor: { id: string; tokenHash: string; expiresAt: string },
  now: string,
): Promise<boolean> {
  const [inserted] = await db.batch([
    db
      .prepare(
        `INSERT INTO refresh_tokens (id, user_id, family_id, parent_id, token_hash, expires_at)
         SELECT ?1, user_id, family_id, id, ?2, ?3 FROM refresh_tokens
         WHERE id = ?4 AND spent_at IS NULL AND revoked_at IS NULL`,
      )
      .bind(successor.id, successor.tokenHash, successor.expiresAt, parentId),
    db
      .prepare("UPDATE refresh_tokens SET spent_at = ?1, updated_at = ?1 WHERE id = ?2 AND spent_at IS NULL")
      .bind(now, parentId),
  ]);
  return (inserted?.meta.changes ?? 0) === 1;
}

export function insertApiKey(db: D1Database, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  return orm(db).insert(apiKeys).values(row).returning().get();
}

/** A live key by hash with its owner's role; expiry is the caller's check (it needs the clock). */
export function findLiveKeyByHash(db: D1Database, keyHash: string) {
  return orm(db)
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
      signingSecretEnc: apiKeys.signingSecretEnc,
      lastUsedAt: apiKeys.lastUsedAt,
      role: users.role,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt), isNull(apiKeys.deletedAt), isNull(users.deletedAt)),
    )
    .get();
}

export async function recordKeyUse(db: D1Database, keyId: string, at: string): Promise<void> {
  await orm(db).update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, keyId));
}

/** Revokes one of the owner's keys; false when it is not theirs or already gone. */
export async function revokeOwnedKey(db: D1Database, ownerId: string, id: string, now: string): Promise<boolean> {
  const done = await orm(db)
    .update(apiKeys)
    .set({ revokedAt: now, deletedAt: now, updatedAt: now })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, ownerId), isNull(apiKeys.deletedAt)))
    .returning({ id: apiKeys.id })
    .get();
  return done !== undefined;
}

/** The owner's keys newest first, keyset on (created_at, id); limit + 1 rows. */
export function listOwnedKeys(db: D1Database, ownerId: string, after: NewestFirst | undefined, limit: number) {
  return orm(db)
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, ownerId), isNull(apiKeys.deletedAt), olderThan(apiKeys.createdAt, apiKeys.id, after)))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(limit + 1)
    .all();
}
