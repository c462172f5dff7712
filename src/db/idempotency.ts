// Idempotency-Key claims: who holds (owner, route, key), the request hash it was claimed for, the first answer.
import { and, eq, sql } from "drizzle-orm";
import { orm } from "./client";
import { idempotencyKeys } from "./schema";

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

export interface IdempotencySlot {
  ownerId: string;
  route: string;
  key: string;
}

const slot = (s: IdempotencySlot) =>
  and(eq(idempotencyKeys.ownerId, s.ownerId), eq(idempotencyKeys.route, s.route), eq(idempotencyKeys.key, s.key));

/** Claims the key: a new row, or takes over one that has expired. Exactly one concurrent caller gets true. */
export async function claimKey(
  db: D1Database,
  s: IdempotencySlot,
  requestHash: string,
  expiresAt: string,
  now: string,
): Promise<boolean> {
  const claimed = await orm(db)
    .insert(idempotencyKeys)
    .values({ ...s, requestHash, expiresAt })
    .onConflictDoUpdate({
      target: [idempotencyKeys.ownerId, idempotencyKeys.route, idempotencyKeys.key],
      set: {
        requestHash: sql`excluded.request_hash`,
        statusCode: null,
        responseBody: null,
        responseLocation: null,
        expiresAt: sql`excluded.expires_at`,
        createdAt: now,
        updatedAt: now,
      },
      setWhere: sql`${idempotencyKeys.expiresAt} <= ${now}`,
    })
    .returning({ key: idempotencyKeys.key })
    .get();
  return claimed !== undefined;
}

export function findClaim(db: D1Database, s: IdempotencySlot): Promise<IdempotencyRow | undefined> {
  return orm(db).select().from(idempotencyKeys).where(slot(s)).get();
}

/** Keeps the first answer for replay (only while the claim is still this request's). */
export async function storeAnswer(
  db: D1Database,
  s: IdempotencySlot,
  requestHash: string,
  statusCode: number,
  responseBody: string,
  responseLocation: string | null = null,
): Promise<void> {
  await orm(db)
    .update(idempotencyKeys)
    .set({ statusCode, responseBody, responseLocation, updatedAt: new Date().toISOString() })
    .where(and(slot(s), eq(idempotencyKeys.requestHash, requestHash)));
}

/** Gives the key back (the request failed or never ran), so the client can retry with it. */
export async function releaseClaim(db: D1Database, s: IdempotencySlot, requestHash: string): Promise<void> {
  await orm(db)
    .delete(idempotencyKeys)
    .where(and(slot(s), eq(idempotencyKeys.requestHash, requestHash)));
}
