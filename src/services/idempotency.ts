// Idempotency-Key bookkeeping behind the `idempotent()` middleware: claim a key, replay its first answer, release it.
import { claimKey, findClaim, type IdempotencySlot, releaseClaim, storeAnswer } from "../db/idempotency";
import { ApiError } from "../errors";

export type { IdempotencySlot };

/**
 * Claims the key for this request (a new row, or one that has expired: exactly one concurrent request wins).
 * Returns null when claimed, or the stored first answer to replay; a different body or one still running throws.
 */
export async function claimOrReplay(
  db: D1Database,
  slot: IdempotencySlot,
  requestHash: string,
  ttlSeconds: number,
  now = new Date(),
): Promise<{ status: number; body: string | null; location: string | null } | null> {
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
  if (await claimKey(db, slot, requestHash, expiresAt, now.toISOString())) return null;
  const prior = await findClaim(db, slot);
  if (!prior) throw new ApiError("conflict", "This Idempotency-Key was released meanwhile; retry the request");
  if (prior.requestHash !== requestHash) {
    throw new ApiError("idempotency_conflict", "This Idempotency-Key was already used with a different request");
  }
  if (prior.statusCode === null) {
    throw new ApiError("conflict", "A request with this Idempotency-Key is still in progress; retry later");
  }
  return { status: prior.statusCode, body: prior.responseBody, location: prior.responseLocation };
}

/** Keeps the first answer for replay. */
export const rememberAnswer = storeAnswer;

/** Gives the key back (the request failed or never ran), so the client can retry with it. */
export const releaseKey = releaseClaim;
