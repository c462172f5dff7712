// Alerts: create (on a price or one of your indexes; fires once, on the stream and as `alert.triggered`), list, delete.
import { createRoute, type z } from "@hono/zod-openapi";
import { ownerScope, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { cursorScope, readNewestFirst, toPage } from "../http/pagination";
import { bodyErrorResponses, errorResponses, jsonBody, jsonContent, security } from "../schemas/route-parts";
import { Alert, AlertBody, AlertList, IdPath, PageQuery } from "../schemas/trading";
import { createAlert, deleteAlert, listAlerts, publicAlert } from "../services/alerts";
import { audit } from "../services/audit";

const tags = ["alerts and webhooks"];
type AlertView = z.infer<typeof Alert>;

const create = createRoute({
  method: "post",
  path: "/v1/alerts",
  "x-rate-limit-cost": 2,
  tags,
  summary:
    "Alert when a quote crosses a price, an index level crosses a level, an index falls a fraction below its peak, or a constituent drifts from its target weight (fires once)",
  security,
  middleware: [requireScope("trade")] as const,
  request: jsonBody(AlertBody),
  responses: { 201: jsonContent(Alert, "The alert"), ...bodyErrorResponses },
});

const list = createRoute({
  method: "get",
  path: "/v1/alerts",
  "x-rate-limit-cost": 1,
  tags,
  summary: "Your alerts, newest first",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: PageQuery },
  responses: { 200: jsonContent(AlertList, "A page of alerts"), ...errorResponses },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/alerts/{id}",
  "x-rate-limit-cost": 2,
  tags,
  summary: "Delete an alert",
  security,
  middleware: [requireScope("trade")] as const,
  request: { params: IdPath },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export function registerAlertRoutes(app: App) {
  app.openapi(create, async (c) => {
    const row = await createAlert(c.env, ownerScope(c), c.req.valid("json"));
    await audit(c, { action: "alert.create", target: row.id, outcome: "success" });
    c.header("Location", `/v1/alerts/${row.id}`);
    return c.json(publicAlert(row) as AlertView, 201);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const scope = cursorScope(c, {});
    const after = await readNewestFirst(c, scope, q.cursor);
    const rows = await listAlerts(c.env, ownerScope(c), q.limit, after);
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ c: last.created_at, i: last.id }));
    return c.json({ data: page.items.map(publicAlert) as AlertView[], next_cursor: page.next_cursor }, 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    await deleteAlert(c.env, ownerScope(c), id);
    await audit(c, { action: "alert.delete", target: id, outcome: "success" });
    return c.body(null, 204);
  });
}
