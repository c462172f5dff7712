// Latest quotes for up to 100 symbols; unknown symbols are listed under `missing`.
import { createRoute } from "@hono/zod-openapi";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App } from "../http/context";
import { errorResponses, jsonContent, security } from "../schemas/common";
import { QuoteList, QuoteQuery } from "../schemas/market";
import { latestQuotes } from "../services/quotes";

const list = createRoute({
  method: "get",
  path: "/v1/quotes",
  "x-rate-limit-cost": 2,
  tags: ["market data"],
  summary: "Latest quote per symbol",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: QuoteQuery },
  responses: { 200: jsonContent(QuoteList, "Quotes, and the symbols that have none"), ...errorResponses },
});

export function registerQuoteRoutes(app: App) {
  app.openapi(list, async (c) => {
    const { symbols } = c.req.valid("query");
    const { quotes, missing, hit } = await latestQuotes(c.env, c.get("config"), symbols);
    c.set("cache", hit ? "hit" : "miss");
    c.header("Cache-Control", cacheControl("market", Math.min(5, c.get("config").HTTP_CACHE_MAX_AGE_SECONDS)));
    return c.json({ data: quotes, missing }, 200);
  });
}
