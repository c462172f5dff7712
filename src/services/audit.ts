// The audit trail: one row per mutation (who, what, on what, outcome, request id, ip, when).
import { and, desc, eq, gte, lt } from "drizzle-orm";
import type { Context } from "hono";
import { type Db, getDb } from "../db/client";
import { auditLog } from "../db/schema";
import type { AppEnv } from "../http/context";

export interface AuditEntry {
  /** e.g. "auth.login", "auth.login_failed", "api_key.created", "asset.deleted" */
  action: string;
  /** The thing acted on: an id, a symbol, an email. */
  target?: string | null;
  outcome: "success" | "failure";
  detail?: Record<string, unknown>;
  /** Overrides the caller; e.g. the email of a failed login, or the user a refresh token belongs to. */
  actor?: string;
}

export type AuditRow = typeof auditLog.$inferSelect;

/** A mutation made through an MCP tool says so, so the trail tells an agent's steps from direct calls. */
function channelled(detail: Record<string, unknown> | undefined, channel: string | undefined) {
  if (!channel) return detail ?? null;
  return { ...detail, via: channel };
}

/** The actor defaults to the authenticated user, else "anonymous". */
export async function audit(c: Context<AppEnv>, entry: AuditEntry): Promise<void> {
  const actor = entry.actor ?? c.get("principal")?.userId ?? "anonymous";
  try {
    await getDb(c.env)
      .insert(auditLog)
      .values({
        actor,
        action: entry.action,
        target: entry.target ?? null,
        requestId: c.get("requestId") ?? null,
        outcome: entry.outcome,
        detail: channelled(entry.detail, c.get("channel")),
        ip: c.req.header("cf-connecting-ip") ?? null,
      });
  } catch (err) {
    // The mutation already happened; losing its audit row is bad, failing the request for it is worse.
    console.error(
      JSON.stringify({
        level: "error",
        msg: "audit write failed",
        request_id: c.get("requestId"),
        action: entry.action,
        error: String(err),
      }),
    );
  }
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
export function listAudit(db: Db, f: AuditFilter): Promise<AuditRow[]> {
  return db
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
