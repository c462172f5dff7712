// Paper orders: place (201; Idempotency-Key replays), list by status, read, cancel an open one.
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { ownerScope, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { idempotent } from "../http/idempotency";
import { cursorScope, readNewestFirst, toPage } from "../http/pagination";
import {
  bodyErrorResponses,
  errorResponses,
  fieldsParam,
  idempotencyKeyHeader,
  jsonBody,
  jsonContent,
  problemResponse,
  security,
} from "../schemas/route-parts";
import { Order, OrderBody, OrderIdPath, OrderList, OrderListQuery } from "../schemas/trading";
import { audit } from "../services/audit";
import {
  cancelOrder,
  expireDayOrders,
  listOrders,
  loadOrder,
  placeOrder,
  publicOrder,
} from "../services/paper-trading";

const tags = ["paper trading"];
type OrderView = z.infer<typeof Order>;

const create = createRoute({
  method: "post",
  path: "/v1/orders",
  "x-rate-limit-cost": 2,
  tags,
  summary: "Place a paper order (market fills at once at the latest quote; limit fills when a quote crosses)",
  security,
  middleware: [requireScope("trade"), idempotent()] as const,
  request: { headers: idempotencyKeyHeader, ...jsonBody(OrderBody) },
  responses: {
    201: jsonContent(Order, "The order, filled when it was marketable"),
    409: problemResponse("The account changed while the order was placed"),
    ...bodyErrorResponses,
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/orders",
  "x-rate-limit-cost": 1,
  tags,
  summary: "Your orders, newest first",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: OrderListQuery },
  responses: { 200: jsonContent(OrderList, "A page of orders"), ...errorResponses },
});

const read = createRoute({
  method: "get",
  path: "/v1/orders/{id}",
  "x-rate-limit-cost": 1,
  tags,
  summary: "One order",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: OrderIdPath, query: z.strictObject({ fields: fieldsParam }) },
  responses: { 200: jsonContent(Order, "The order"), ...errorResponses },
});

const cancel = createRoute({
  method: "delete",
  path: "/v1/orders/{id}",
  "x-rate-limit-cost": 2,
  tags,
  summary: "Cancel an open order",
  security,
  middleware: [requireScope("trade")] as const,
  request: { params: OrderIdPath },
  responses: {
    200: jsonContent(Order, "The canceled order"),
    409: problemResponse("Not open (filled, canceled or expired)"),
    ...errorResponses,
  },
});

export function registerOrderRoutes(app: App) {
  app.openapi(create, async (c) => {
    const userId = ownerScope(c);
    const body = c.req.valid("json");
    const row = await placeOrder(c.env, c.get("config"), userId, body);
    await audit(c, {
      action: "order.create",
      target: row.id,
      outcome: "success",
      detail: { symbol: row.symbol, side: row.side, qty: row.qty, status: row.status },
    });
    c.header("Location", `/v1/orders/${row.id}`);
    return c.json(publicOrder(row) as OrderView, 201);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const userId = ownerScope(c);
    const scope = cursorScope(c, { status: q.status });
    const after = await readNewestFirst(c, scope, q.cursor);
    const rows = await listOrders(c.env, userId, { status: q.status, limit: q.limit, after });
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ c: last.createdAt, i: last.id }));
    return c.json({ data: page.items.map(publicOrder) as OrderView[], next_cursor: page.next_cursor }, 200);
  });

  app.openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const userId = ownerScope(c);
    await expireDayOrders(c.env, userId);
    const row = await loadOrder(c.env, userId, id);
    if (!row) throw ApiError.notFound(`Order ${id}`);
    return c.json(publicOrder(row) as OrderView, 200);
  });

  app.openapi(cancel, async (c) => {
    const { id } = c.req.valid("param");
    const row = await cancelOrder(c.env, ownerScope(c), id);
    await audit(c, { action: "order.cancel", target: id, outcome: "success" });
    return c.json(publicOrder(row) as OrderView, 200);
  });
}
