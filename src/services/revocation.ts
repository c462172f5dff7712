// Revocation: what ends a session or key everywhere (HTTP within 5 s, stream sockets within 10 s), and the cheap check.
import { getConfig } from "../config";
import { revokedAmong } from "../db/revocations";
import { shardNames } from "./live";

/**
 * How long an isolate may trust a "not revoked" answer. A revocation must take effect within 5 s everywhere;
 * 2 s of local trust leaves room for D1 to replicate the record. Revoked answers are kept (revocation is final).
 */
export const REVOCATION_TRUST_MS = 2_000;
const MAX_REMEMBERED = 10_000;

const checkedAt = new Map<string, number>();
const revoked = new Set<string>();

function remember(subject: string, isRevoked: boolean, now: number) {
  if (isRevoked) {
    if (revoked.size >= MAX_REMEMBERED) revoked.clear();
    revoked.add(subject);
    checkedAt.delete(subject);
    return;
  }
  if (checkedAt.size >= MAX_REMEMBERED) checkedAt.clear();
  checkedAt.set(subject, now);
}

/**
 * Whether a session (`fam_…`) or key (`key_…`) is revoked: a primary-key lookup in D1, skipped when this
 * isolate checked the same subject within REVOCATION_TRUST_MS. This is the check a principal cache must make
 * (or bound its own lifetime by) before it serves a cached credential.
 */
export async function isRevoked(env: Env, subject: string, now = Date.now()): Promise<boolean> {
  if (revoked.has(subject)) return true;
  const at = checkedAt.get(subject);
  if (at !== undefined && now - at < REVOCATION_TRUST_MS) return false;
  const found = (await revokedAmong(env.DB, [subject])).has(subject);
  remember(subject, found, now);
  return found;
}

/** Whether this isolate already knows the subject is revoked (it revoked it, or was told): no I/O. */
export const knownRevoked = (subject: string): boolean => revoked.has(subject);

/** Tells this isolate at once, and every stream shard, that these subjects are revoked (their sockets close 4001). */
export async function announceRevocation(env: Env, subjects: string[]): Promise<void> {
  for (const s of subjects) remember(s, true, Date.now());
  const calls = shardNames(getConfig(env)).map((name) => env.PRICE_HUB.getByName(name).closeRevoked(subjects));
  // The shards' own sweep (every few seconds) catches anything this misses, e.g. a shard that was unreachable.
  await Promise.allSettled(calls);
}
