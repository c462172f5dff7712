// An asset's splits and cash dividends, the inputs of its split- and dividend-adjusted closes.
import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App } from "../http/context";
import { CorporateActions, CorporateActionsQuery } from "../schemas/market-history";
import { errorResponses, jsonContent, security, symbolParam } from "../schemas/route-parts";
import { corporateActionsOf } from "../services/prices";

const read = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/corporate-actions",
  "x-rate-limit-cost": 1,
  tags: ["market data"],
  summary: "Splits and cash dividends (the inputs of adj_close)",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: z.object({ symbol: symbolParam }), query: CorporateActionsQuery },
  responses: { 200: jsonContent(CorporateActions, "Splits and dividends, oldest first"), ...errorResponses },
});

export function registerCorporateActionRoutes(app: App) {
  app.openapi(read, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const actions = await corporateActionsOf(c.env.DB, symbol, q.start, q.end);
    c.header("Cache-Control", cacheControl("market", c.get("config").HTTP_CACHE_MAX_AGE_SECONDS));
    return c.json(actions, 200);
  });
}
