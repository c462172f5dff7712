// API keys: minting (shown once, stored as a SHA-256 hash), lookup on every request, revocation, signed requests.
import type { Config } from "../config";
import { constantTimeEqual, hmacSha256Hex, type SealKeyName, seal, sha256HexOf, unseal } from "../crypto";
import { type ApiKeyRow, findLiveKeyByHash, insertApiKey, listOwnedKeys, recordKeyUse } from "../db/identity";
import { newId, randomToken } from "../db/ids";
import type { NewestFirst } from "../db/keyset";
import { keepWithinQuota, liveCount } from "../db/quotas";
import { keyRevocationStatements } from "../db/revocations";
import { ApiError } from "../errors";
import type { Identity, Principal } from "../http/context";
import { announceRevocation } from "./revocation";

export type Scope = Principal["scopes"][number];

export const KEY_PREFIX = "ei_live_";
const KEY_BODY_LENGTH = 40;
const KEY_SHAPE = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${KEY_BODY_LENGTH}}$`);
/** How much of the key stays visible in lists, so a user can tell keys apart without the key. */
const VISIBLE_CHARS = 8;
/** The HKDF salt and info key signing secrets have always been sealed under: changing them would orphan stored keys. */
const SEAL_PURPOSE: SealKeyName = { salt: "edgeindex/seal/v1", info: "api-key-signing-secret" };

/** What each role may ever hold; a key's scopes are cut down to this at every request. */
export const ROLE_SCOPES: Record<Principal["role"], Scope[]> = {
  admin: ["read", "trade", "manage", "admin"],
  user: ["read", "trade", "manage"],
};

export type { ApiKeyRow };

export const publicKey = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes as Scope[],
  signing: row.signingSecretEnc !== null,
  expires_at: row.expiresAt,
  last_used_at: row.lastUsedAt,
  created_at: row.createdAt,
});

export async function mintApiKey(
  db: D1Database,
  cfg: Config,
  userId: string,
  input: { name: string; scopes: Scope[]; expiresAt: string | null; signing: boolean },
): Promise<{ row: ApiKeyRow; key: string; signingSecret?: string }> {
  const over = () => new ApiError("quota_exceeded", `At most ${cfg.QUOTA_API_KEYS} API keys per account`);
  if ((await liveCount(db, "api_keys", userId)) >= cfg.QUOTA_API_KEYS) throw over();
  const key = `${KEY_PREFIX}${randomToken(KEY_BODY_LENGTH)}`;
  const id = newId("key");
  const signingSecret = input.signing ? `ss_${randomToken(43)}` : undefined;
  const row = await insertApiKey(db, {
    id,
    userId,
    name: input.name,
    prefix: key.slice(0, KEY_PREFIX.length + VISIBLE_CHARS),
    keyHash: await sha256HexOf(key),
    scopes: input.scopes,
    expiresAt: input.expiresAt,
    signingSecretEnc: signingSecret ? await seal(cfg.JWT_SECRET, SEAL_PURPOSE, signingSecret, id) : null,
  });
  if (!(await keepWithinQuota(db, "api_keys", userId, id, cfg.QUOTA_API_KEYS))) throw over();
  return { row, key, signingSecret };
}

/**
 * The identity behind a presented key, read from D1 on every call (no cache), so a revoked, expired or
 * deleted-owner key stops working at once. Null for anything that is not a live key.
 */
export async function findKeyIdentity(
  db: D1Database,
  presented: string,
  now = new Date(),
): Promise<(Identity & { lastUsedAt: string | null }) | null> {
  if (!KEY_SHAPE.test(presented)) return null;
  const row = await findLiveKeyByHash(db, await sha256HexOf(presented));
  if (!row) return null;
  if (row.expiresAt !== null && Date.parse(row.expiresAt) <= now.getTime()) return null;
  const allowed = ROLE_SCOPES[row.role];
  return {
    userId: row.userId,
    role: row.role,
    keyId: row.id,
    // A key minted while its owner was admin loses `admin` the moment the owner is not.
    scopes: (row.scopes as Scope[]).filter((s) => allowed.includes(s)),
    signingSecretEnc: row.signingSecretEnc,
    lastUsedAt: row.lastUsedAt,
  };
}

/** Records use at most once a minute per key, so hot keys do not write D1 on every request. */
export async function touchKey(
  db: D1Database,
  keyId: string,
  lastUsedAt: string | null,
  now = new Date(),
): Promise<void> {
  if (lastUsedAt && now.getTime() - Date.parse(lastUsedAt) < 60_000) return;
  await recordKeyUse(db, keyId, now.toISOString());
}

/**
 * Revokes one of the owner's keys and records the revocation (its open stream sockets close too); false when it
 * is not theirs or already gone (the route answers 404).
 */
export async function revokeApiKey(env: Env, ownerId: string, id: string): Promise<boolean> {
  const now = new Date().toISOString();
  const [done] = await env.DB.batch(keyRevocationStatements(env.DB, id, ownerId, now));
  if ((done?.meta.changes ?? 0) !== 1) return false;
  await announceRevocation(env, [id]);
  return true;
}

/** Newest first, keyset on (created_at, id). */
export function listApiKeys(db: D1Database, ownerId: string, after: NewestFirst | undefined, limit: number) {
  return listOwnedKeys(db, ownerId, after, limit);
}

/** The string a signed request's HMAC covers: timestamp, method, path with query, body digest. */
export async function signingString(
  timestamp: string,
  method: string,
  pathAndQuery: string,
  body: ArrayBuffer | string,
): Promise<string> {
  return `${timestamp}\n${method.toUpperCase()}\n${pathAndQuery}\n${await sha256HexOf(body)}`;
}

export const SIGNATURE_MAX_SKEW_SECONDS = 300;
/** Longer than the whole accepted window (±300 s), so a pair cannot come back after being forgotten. */
export const SIGNATURE_REPLAY_WINDOW_SECONDS = 600;

export type SignatureCheck = { ok: true; signature: string } | { ok: false; reason: string };

/** Checks shape, clock skew and the HMAC; replay is checked by the caller (it needs the key's Durable Object). */
export async function checkSignature(
  cfg: Config,
  identity: Identity,
  request: { timestamp?: string; signature?: string; method: string; pathAndQuery: string; body: ArrayBuffer },
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<SignatureCheck> {
  const { timestamp, signature } = request;
  if (!timestamp || !signature)
    return { ok: false, reason: "This key must sign requests: send X-Timestamp and X-Signature" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "X-Timestamp must be unix seconds" };
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_MAX_SKEW_SECONDS) {
    return { ok: false, reason: `X-Timestamp is more than ${SIGNATURE_MAX_SKEW_SECONDS} s away from server time` };
  }
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return { ok: false, reason: "X-Signature must be 64 hex characters" };
  const secret =
    identity.signingSecretEnc && identity.keyId
      ? await unseal(cfg.JWT_SECRET, SEAL_PURPOSE, identity.signingSecretEnc, identity.keyId)
      : null;
  if (!secret) return { ok: false, reason: "The request signature is invalid" };
  const expected = await hmacSha256Hex(
    secret,
    await signingString(timestamp, request.method, request.pathAndQuery, request.body),
  );
  if (!constantTimeEqual(expected, signature.toLowerCase()))
    return { ok: false, reason: "The request signature is invalid" };
  return { ok: true, signature: signature.toLowerCase() };
}
