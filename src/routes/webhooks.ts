// Webhook subscriptions: create (201, secret shown once), list, delete, and every delivery attempt.
import { createRoute, type z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { ownerScope, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { cursorScope, readCursor, readNewestFirst, toPage } from "../http/pagination";
import { bodyErrorResponses, errorResponses, jsonBody, jsonContent, security } from "../schemas/route-parts";
import {
  DeliveryList,
  IdPath,
  PageQuery,
  type Webhook,
  WebhookBody,
  WebhookCreated,
  WebhookList,
} from "../schemas/trading";
import { audit } from "../services/audit";
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  ownedWebhook,
  publicDeliveryId,
  publicWebhook,
} from "../services/webhooks";

const tags = ["alerts and webhooks"];

const create = createRoute({
  method: "post",
  path: "/v1/webhooks",
  "x-rate-limit-cost": 2,
  tags,
  summary: "Subscribe a URL to events; the signing secret is shown only in this response",
  security,
  middleware: [requireScope("manage")] as const,
  request: jsonBody(WebhookBody),
  responses: { 201: jsonContent(WebhookCreated, "The subscription and its secret"), ...bodyErrorResponses },
});

const list = createRoute({
  method: "get",
  path: "/v1/webhooks",
  "x-rate-limit-cost": 1,
  tags,
  summary: "Your webhook subscriptions (never the secret)",
  security,
  middleware: [requireScope("manage")] as const,
  request: { query: PageQuery },
  responses: { 200: jsonContent(WebhookList, "A page of subscriptions"), ...errorResponses },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/webhooks/{id}",
  "x-rate-limit-cost": 2,
  tags,
  summary: "Delete a subscription (pending retries stop)",
  security,
  middleware: [requireScope("manage")] as const,
  request: { params: IdPath },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

const deliveries = createRoute({
  method: "get",
  path: "/v1/webhooks/{id}/deliveries",
  "x-rate-limit-cost": 1,
  tags,
  summary: "Every delivery attempt: event, status code, attempt number, next retry",
  security,
  middleware: [requireScope("manage")] as const,
  request: { params: IdPath, query: PageQuery },
  responses: { 200: jsonContent(DeliveryList, "A page of attempts, newest first"), ...errorResponses },
});

export function registerWebhookRoutes(app: App) {
  app.openapi(create, async (c) => {
    const created = await createWebhook(c.env, ownerScope(c), c.req.valid("json"));
    await audit(c, {
      action: "webhook.create",
      target: created.id,
      outcome: "success",
      detail: { events: created.events },
    });
    c.header("Location", `/v1/webhooks/${created.id}`);
    c.header("Cache-Control", "no-store");
    return c.json(created as z.infer<typeof WebhookCreated>, 201);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const scope = cursorScope(c, {});
    const after = await readNewestFirst(c, scope, q.cursor);
    const rows = await listWebhooks(c.env, ownerScope(c), q.limit, after);
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ c: last.created_at, i: last.id }));
    return c.json(
      { data: page.items.map(publicWebhook) as z.infer<typeof Webhook>[], next_cursor: page.next_cursor },
      200,
    );
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    await deleteWebhook(c.env, ownerScope(c), id);
    await audit(c, { action: "webhook.delete", target: id, outcome: "success" });
    return c.body(null, 204);
  });

  app.openapi(deliveries, async (c) => {
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    await ownedWebhook(c.env, ownerScope(c), id);
    const scope = cursorScope(c, { id });
    const after = await readCursor<{ d: number }>(c, scope, q.cursor);
    if (after !== undefined && typeof after.d !== "number")
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    const rows = await listDeliveries(c.env, id, q.limit, after?.d);
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ d: last.id }));
    const data = await Promise.all(page.items.map(async (d) => ({ ...d, id: await publicDeliveryId(c.env, d.id) })));
    return c.json({ data: data as z.infer<typeof DeliveryList>["data"], next_cursor: page.next_cursor }, 200);
  });
}
