// Accounts and sessions: register and sign in, then an access JWT plus an opaque refresh token stored only as
// a hash, grouped in a family, rotated with reuse detection.
import type { Config } from "../config";
import { sha256Hex } from "../crypto";
import {
  findGateUser,
  findLiveUser,
  findOwnedRefreshToken,
  findRefreshToken,
  findUserByEmail,
  findUserById,
  insertRefreshToken,
  insertUser,
  revokeRefreshFamily,
  spendAndSucceed,
  type UserRow,
} from "../db/identity";
import { newId, randomToken } from "../db/ids";
import { findSessionHolder, revocationStatement, type SessionHolder } from "../db/revocations";
import { IsolateMemory } from "./isolate-memory";
import { dummyPasswordHash, hashPassword, verifyPassword } from "./passwords";
import { announceRevocation, knownRevoked } from "./revocation";
import { signAccessToken } from "./tokens";

export type { UserRow };

export { sha256Hex };

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
  db: D1Database,
  cfg: Config,
  user: UserRow,
  lineage: { familyId?: string; parentId?: string } = {},
): Promise<SessionTokens & { refreshTokenId: string }> {
  const familyId = lineage.familyId ?? newId("fam");
  const { token, expiresIn } = await signAccessToken(cfg, user, familyId);
  const refresh = `rt_${randomToken(43)}`;
  const id = newId("rtk");
  await insertRefreshToken(db, {
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

/**
 * The principal cache: session-holder lookups this isolate reuses for `PRINCIPAL_CACHE_MS` (at most 4 s, inside
 * the 5 s revocation rule, docs/SECURITY.md). Only settled answers are held, never a pending lookup: a promise
 * of one request's D1 call awaited by another runs in the wrong request's context and can hang it (workerd).
 * A session this isolate revoked is never served from it, so logout and refresh-token reuse take effect here at
 * once; elsewhere (another isolate, an operator's grant or a deletion through wrangler) the hold ages out within
 * PRINCIPAL_CACHE_MS.
 */
const heldHolders = new IsolateMemory<SessionHolder | null>(10_000);
const holderKey = (userId: string, sessionId: string) => `${userId}|${sessionId}`;

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
  const [changed] = await Promise.all([
    revokeRefreshFamily(env.DB, familyId, new Date().toISOString()),
    revocationStatement(env.DB, familyId, userId, reason).run(),
  ]);
  await announceRevocation(env, [familyId]);
  heldHolders.delete(holderKey(userId, familyId));
  return changed;
}

/**
 * Spends a refresh token and issues its successor in the same family. The successor is inserted only while
 * its parent is unspent and unrevoked, in one atomic batch with the spend, so two concurrent uses of one token
 * cannot both succeed: the loser is treated as reuse and revokes the family.
 */
export async function rotateSession(env: Env, cfg: Config, presented: string): Promise<RotationOutcome> {
  const row = await findRefreshToken(env.DB, await sha256Hex(presented));
  if (!row) return { kind: "invalid" };
  if (row.revokedAt) return { kind: "invalid", userId: row.userId };
  if (row.spentAt) {
    await revokeFamily(env, row.familyId, row.userId, "refresh_reuse");
    return { kind: "reused", userId: row.userId, familyId: row.familyId };
  }
  const user = await findLiveUser(env.DB, row.userId);
  const now = new Date();
  if (!user || Date.parse(row.expiresAt) <= now.getTime()) return { kind: "invalid", userId: row.userId };

  const refresh = `rt_${randomToken(43)}`;
  const nowIso = now.toISOString();
  const won = await spendAndSucceed(
    env.DB,
    row.id,
    {
      id: newId("rtk"),
      tokenHash: await sha256Hex(refresh),
      expiresAt: new Date(now.getTime() + cfg.REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
    },
    nowIso,
  );
  if (!won) {
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
  presented: string,
  ownerId: string,
): Promise<{ userId: string; familyId: string } | null> {
  // Only the caller's own sessions: someone else's refresh token is treated as unknown.
  const row = await findOwnedRefreshToken(env.DB, await sha256Hex(presented), ownerId);
  if (!row) return null;
  await revokeFamily(env, row.familyId, row.userId, "logout");
  return row;
}

/** A new account signed in at once; null when the email is taken. Registration never makes an admin. */
export async function registerAccount(
  db: D1Database,
  cfg: Config,
  input: { email: string; name?: string | null; password: string },
): Promise<{ user: UserRow; tokens: SessionTokens } | null> {
  // Only an operator makes an admin (`npm run admin -- grant <email>`).
  const role = "user";
  const passwordHash = await hashPassword(input.password, cfg.PASSWORD_ITERATIONS);
  const user = await insertUser(db, { email: input.email, name: input.name ?? null, passwordHash, role });
  if (!user) return null;
  const { refreshTokenId: _, ...tokens } = await issueSession(db, cfg, user);
  return { user, tokens };
}

/**
 * Email and password to a new session; null when either is wrong. Unknown emails still pay for one PBKDF2
 * verification, so both failures take alike time.
 */
export async function signIn(
  db: D1Database,
  cfg: Config,
  email: string,
  password: string,
): Promise<{ user: UserRow; tokens: SessionTokens } | null> {
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash(cfg.PASSWORD_ITERATIONS)));
  if (!user || !ok) return null;
  const { refreshTokenId: _, ...tokens } = await issueSession(db, cfg, user);
  return { user, tokens };
}

/** The caller's own account row (GET /v1/me). */
export const accountOf = (db: D1Database, userId: string) => findUserById(db, userId);

/** What the /v1 gate needs about a JWT's user (id, role, email); undefined once the account is deleted. */
export const gateUser = (db: D1Database, userId: string) => findGateUser(db, userId);

export type { SessionHolder };

/** The live user behind an access token and whether its session is revoked (the /v1 gate's one query). */
export function sessionHolder(
  db: D1Database,
  userId: string,
  sessionId: string,
  holdMs = 0,
): Promise<SessionHolder | null> {
  const key = holderKey(userId, sessionId);
  if (knownRevoked(sessionId)) heldHolders.delete(key);
  const held = holdMs > 0 ? heldHolders.get(key) : undefined;
  if (held !== undefined) return Promise.resolve(held);
  const lookup = findSessionHolder(db, userId, sessionId);
  if (holdMs > 0)
    lookup.then(
      (found) => {
        // A revocation that landed while this lookup was in flight wins over its answer.
        if (!knownRevoked(sessionId)) heldHolders.set(key, found, holdMs);
      },
      () => undefined, // a failed lookup is not kept; the caller sees the failure
    );
  return lookup;
}
