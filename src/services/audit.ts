// The audit trail: one row per mutation (who, what, on what, outcome, request id, ip, when).
import type { Context } from "hono";
import { insertAudit } from "../db/audit";
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

export { type AuditFilter, type AuditRow, listAudit } from "../db/audit";

/** A mutation made through an MCP tool says so, so the trail tells an agent's steps from direct calls. */
function channelled(detail: Record<string, unknown> | undefined, channel: string | undefined) {
  if (!channel) return detail ?? null;
  return { ...detail, via: channel };
}

/** The actor defaults to the authenticated user, else "anonymous". */
export async function audit(c: Context<AppEnv>, entry: AuditEntry): Promise<void> {
  const actor = entry.actor ?? c.get("principal")?.userId ?? "anonymous";
  try {
    await insertAudit(c.env.DB, {
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
