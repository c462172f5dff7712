// The audit trail: one row per mutation (who, what, on what, outcome, request id, ip, when).
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
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
  c.set("audited", true);
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

/** The POSTs that compute and store nothing (previews, stress tests): no mutation, so no audit row. */
const COMPUTE_ONLY = new Set(["/v1/indexes/preview", "/v1/indexes/:id/rebalance-preview", "/v1/indexes/:id/stress"]);

/**
 * Every mutation writes an audit row, refused ones too: an authenticated POST, PATCH, PUT or DELETE under /v1 that
 * was refused (4xx but 401 and 429, or 5xx) and wrote no row of its own gets one, `outcome: "failure"`, its action
 * the method and route (`POST /v1/orders`), its target the path's id or symbol, its detail the status and code.
 * Requests refused before the caller is authenticated (401, and the body rules' 413 and 415) and rate-limited ones
 * write nothing, so a flood cannot fill the trail; nor do the POSTs that only compute (previews, stress tests), nor
 * a method or path no route takes (404/405).
 */
export function auditRefusals(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const method = c.req.method;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS") return;
    const status = c.res.status;
    if (status < 400 || status === 401 || status === 429 || !c.get("principal") || c.get("audited")) return;
    // The code of the problem the error handler rendered (whatever was thrown: ApiError, a parse failure, a 500).
    let code: unknown = null;
    try {
      code = ((await c.res.clone().json()) as { code?: unknown }).code ?? null;
    } catch {
      // not a problem body
    }
    // Known once the route ran; when none matched, it is the /v1/* middleware's own pattern.
    let route = c.req.path;
    try {
      route = routePath(c, -1);
    } catch {
      // no matched route
    }
    // An unknown path, or a method the path does not take (404/405), reached no mutation.
    if (COMPUTE_ONLY.has(route) || route.endsWith("*")) return;
    await audit(c, {
      action: `${method} ${route}`,
      target: c.req.param("id") ?? c.req.param("symbol") ?? null,
      outcome: "failure",
      detail: { status, code },
    });
  };
}
