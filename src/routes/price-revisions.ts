// Every stored version of one day's bar, so a client can see what changed, when, and from which source.
import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App } from "../http/context";
import { BarRevisions, RevisionsQuery } from "../schemas/market-history";
import { errorResponses, jsonContent, security, symbolParam } from "../schemas/route-parts";
import { barRevisions } from "../services/prices";

const read = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/prices/revisions",
  "x-rate-limit-cost": 1,
  tags: ["market data"],
  summary: "Every version of one day's bar, oldest first",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: z.object({ symbol: symbolParam }), query: RevisionsQuery },
  responses: { 200: jsonContent(BarRevisions, "The day's versions"), ...errorResponses },
});

export function registerPriceRevisionRoutes(app: App) {
  app.openapi(read, async (c) => {
    const { symbol } = c.req.valid("param");
    const { date } = c.req.valid("query");
    const data = await barRevisions(c.env.DB, symbol, date);
    c.header("Cache-Control", cacheControl("market", c.get("config").HTTP_CACHE_MAX_AGE_SECONDS));
    return c.json({ data }, 200);
  });
}
