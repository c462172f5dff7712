// The audit trail: one row per mutation and auth event, and the admin's newest-first pages of it.
import { and, desc, eq, gte, lt } from "drizzle-orm";
import { orm } from "./client";
import { auditLog } from "./schema";

export type AuditRow = typeof auditLog.$inferSelect;

export async function insertAudit(db: D1Database, row: typeof auditLog.$inferInsert): Promise<void> {
  await orm(db).insert(auditLog).values(row);
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  since?: string;
  /** Keyset: rows with a smaller id than this. */
  beforeId?: number;
  limit: number;
}

/** Newest first; fetches limit + 1 so the caller can tell whether another page exists. */
export function listAudit(db: D1Database, f: AuditFilter): Promise<AuditRow[]> {
  return orm(db)
    .select()
    .from(auditLog)
    .where(
      and(
        f.actor !== undefined ? eq(auditLog.actor, f.actor) : undefined,
        f.action !== undefined ? eq(auditLog.action, f.action) : undefined,
        f.since !== undefined ? gte(auditLog.createdAt, f.since) : undefined,
        f.beforeId !== undefined ? lt(auditLog.id, f.beforeId) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(f.limit + 1)
    .all();
}
