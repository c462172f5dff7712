// GET /v1/admin/audit: the audit trail for administrators, newest first, keyset pages by id.
import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { requireAdmin } from "../http/auth";
import type { App } from "../http/context";
import { cursorScope, readCursor, toPage } from "../http/pagination";
import { AuditList, AuditQuery } from "../schemas/identity";
import { errorResponses, jsonContent, security } from "../schemas/route-parts";
import { type AuditRow, listAudit } from "../services/audit";

const list = createRoute({
  method: "get",
  path: "/v1/admin/audit",
  "x-rate-limit-cost": 1,
  tags: ["admin"],
  summary: "Audit rows (admin): who did what, when, with what outcome",
  security,
  middleware: [requireAdmin()] as const,
  request: { query: AuditQuery },
  responses: { 200: jsonContent(AuditList, "A page of audit rows"), ...errorResponses },
});

const toPublic = (r: AuditRow) => ({
  id: r.id,
  actor: r.actor,
  action: r.action,
  target: r.target,
  outcome: r.outcome,
  request_id: r.requestId,
  ip: r.ip,
  detail: (r.detail ?? null) as Record<string, unknown> | null,
  created_at: r.createdAt,
});

export function registerAuditRoutes(app: App) {
  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const scope = cursorScope(c, { ...q });
    const after = await readCursor<{ id: number }>(c, scope, q.cursor);
    if (after !== undefined && !Number.isSafeInteger(after.id))
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    const rows = await listAudit(c.env.DB, {
      actor: q.actor,
      action: q.action,
      since: q.since === undefined ? undefined : new Date(q.since).toISOString(),
      beforeId: after?.id,
      limit: q.limit,
    });
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ id: last.id }));
    return c.json({ data: page.items.map(toPublic), next_cursor: page.next_cursor }, 200);
  });
}
